namespace BulkSender.Core.Templates;

/// <summary>A template as the templates list and the compose picker show it.</summary>
public sealed record TemplateView(int Id, string Name, string Language, string Category, string Status, string? StatusReason, string Components,
    DateTime SyncedAt)
{
    public bool Approved => TemplateStatuses.IsApproved(Status);

    public IReadOnlyList<TemplateSlot> Slots => TemplateText.Slots(Components);

    public string? HeaderText => TemplateText.Of(Components, TemplateText.Header);

    /// <summary>TEXT, IMAGE, DOCUMENT…; null without a header. An IMAGE or DOCUMENT header is filled with the message's attachment.</summary>
    public string? HeaderFormat => TemplateText.HeaderFormat(Components);

    public string? BodyText => TemplateText.Of(Components, TemplateText.Body);
}
