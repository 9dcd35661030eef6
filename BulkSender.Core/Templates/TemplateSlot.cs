namespace BulkSender.Core.Templates;

/// <summary>
/// One text parameter of a template: <c>{{1}}</c> (positional) or <c>{{first_name}}</c> (named) in its header or body.
/// </summary>
/// <param name="Component">"header" or "body", as a send's <c>components[].type</c>.</param>
public sealed record TemplateSlot(string Component, string Key)
{
    /// <summary>A named parameter is sent with its <c>parameter_name</c>; a positional one by its order.</summary>
    public bool Named => !Key.All(char.IsAsciiDigit);

    public string Placeholder => $"{{{{{Key}}}}}";

    /// <summary>Meta's limit on one parameter's text: 60 characters in a header, 1,024 in a body.</summary>
    public int MaxLength => Component == TemplateText.Header ? TemplateText.MaxHeaderParameter : TemplateText.MaxBodyParameter;

    public string Label => $"{(Component == TemplateText.Header ? "Header" : "Body")} {Placeholder}";
}
