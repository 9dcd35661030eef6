using BulkSender.Core.Personalization;

namespace BulkSender.Core.Templates;

/// <summary>A template message as one recipient reads it (the send renders it with <see cref="MessageRenderer"/>).</summary>
public static class TemplateMessage
{
    /// <summary>A parameter's value for the recipient: the contact field's, or the fixed text.</summary>
    public static string ValueOf(string? field, string? text, RecipientValues recipient, ContactFieldSet fields) =>
        fields.Find(field) is { } contactField ? contactField.Value(recipient) : LiquidText.Parse(text).Render(recipient, fields);

    /// <summary>The template's header and body as this recipient would read them (the compose page's preview).</summary>
    public static string Preview(string components, IReadOnlyList<TemplateParameterInput> parameters, RecipientValues recipient,
        ContactFieldSet fields)
    {
        var slots = TemplateText.Slots(components);
        string Fill(string component)
        {
            var values = slots.Select((slot, i) => (slot, i)).Where(x => x.slot.Component == component && x.i < parameters.Count)
                .ToDictionary(x => x.slot.Key, x => ValueOf(parameters[x.i].Field, parameters[x.i].Text, recipient, fields));
            return TemplateText.Of(components, component) is { } text ? TemplateText.Fill(text, values) : "";
        }
        return string.Join("\n", new[] { Fill(TemplateText.Header), Fill(TemplateText.Body) }.Where(t => t.Length > 0));
    }
}
