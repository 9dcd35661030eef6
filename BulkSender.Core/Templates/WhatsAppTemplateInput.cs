namespace BulkSender.Core.Templates;

/// <summary>
/// The compose form's and the API's <c>whatsapp_template</c>: which approved template, and for each of its parameters
/// (header first, then body, in order of appearance) a contact field or fixed text. Mutable: MudForm binds to it.
/// </summary>
public sealed class WhatsAppTemplateInput
{
    public string Name { get; set; } = "";
    public string Language { get; set; } = "";
    public List<TemplateParameterInput> Parameters { get; set; } = [];
}

/// <summary>One parameter: <c>{"field": "first_name"}</c> or <c>{"text": "…"}</c>.</summary>
public sealed class TemplateParameterInput
{
    /// <summary>A key of <see cref="ContactFields"/>.</summary>
    public string? Field { get; set; }
    public string? Text { get; set; }
}
