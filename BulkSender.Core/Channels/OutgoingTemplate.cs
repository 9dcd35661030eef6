namespace BulkSender.Core.Channels;

/// <summary>One text parameter of a template send: which component it belongs to, its name when named, and this recipient's value.</summary>
public sealed record OutgoingTemplateParameter(string Component, string? Name, string Text);

/// <summary>A WhatsApp template message for one recipient: the template and its parameters' values for that recipient.</summary>
public sealed record OutgoingTemplate(string Name, string Language, IReadOnlyList<OutgoingTemplateParameter> Parameters);
