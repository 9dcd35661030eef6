using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using BulkSender.Web.Features.Contacts;

namespace BulkSender.Web.Features.Compose;

/// <summary>
/// Who the compose form reaches: the contacts picked (from the circuit's selection or a draft) and the live counts
/// for the form's channel and audience. Every change of channel, audience, tag or selection counts again, so the
/// recipients the form shows are the ones a send would write.
/// </summary>
public sealed class ComposeAudience(ComposePreview preview, ContactSelection selection)
{
    public ComposeSelection Selected { get; private set; } = ComposeSelection.Empty;

    public ComposeCounts Counts { get; private set; } = ComposeCounts.Empty;

    /// <summary>The first recipients (up to <see cref="SampleSize"/>) the personalization preview is shown for.</summary>
    public IReadOnlyList<RecipientValues> Samples { get; private set; } = [];

    public const int SampleSize = 5;

    /// <summary>The fields templates can read (standard and the admin's), read with the counts.</summary>
    public ContactFieldSet Fields { get; private set; } = ContactFields.StandardSet;

    /// <summary>A new form: the current selection, on the channel most of it is on.</summary>
    public async Task StartAsync(ComposeModel model, CancellationToken cancellationToken)
    {
        await LoadAsync(selection.Ids.ToList(), cancellationToken);
        model.Channel = Selected.MainChannel;
        model.WhatsAppTemplate = model.Channel == ChannelKind.WhatsApp ? new WhatsAppTemplateInput() : null;
        model.Audience = Selected.Count > 0 ? AudienceKind.Selection : AudienceKind.Channel;
        await CountAsync(model, cancellationToken);
    }

    /// <summary>A draft: the contacts it was saved with.</summary>
    public async Task StartAsync(ComposeModel draft, IReadOnlyCollection<int> contactIds, CancellationToken cancellationToken)
    {
        await LoadAsync(contactIds, cancellationToken);
        await CountAsync(draft, cancellationToken);
    }

    /// <summary>The contacts selected now replace the ones held (the selection changed, or a draft takes it over).</summary>
    public async Task UseCurrentSelectionAsync(ComposeModel model, CancellationToken cancellationToken)
    {
        await LoadAsync(selection.Ids.ToList(), cancellationToken);
        await CountAsync(model, cancellationToken);
    }

    /// <summary>The picked contacts read again (after a refused save: some may have opted out meanwhile).</summary>
    public async Task ReloadAsync(ComposeModel model, CancellationToken cancellationToken)
    {
        await LoadAsync(Selected.Contacts.Select(c => c.Id).ToList(), cancellationToken);
        await CountAsync(model, cancellationToken);
    }

    public Task ChannelChangedAsync(ComposeModel model, ChannelKind channel, CancellationToken cancellationToken)
    {
        model.Channel = channel;
        if (channel != ChannelKind.Messenger)
            model.MessageTag = null;
        // WhatsApp: a template by default (free text only reaches people who wrote in the last 24 hours).
        model.WhatsAppTemplate = channel == ChannelKind.WhatsApp ? model.WhatsAppTemplate ?? new WhatsAppTemplateInput() : null;
        model.AudienceTag = null;
        return CountAsync(model, cancellationToken);
    }

    public Task AudienceChangedAsync(ComposeModel model, AudienceKind audience, CancellationToken cancellationToken)
    {
        model.Audience = audience;
        return CountAsync(model, cancellationToken);
    }

    public Task TagChangedAsync(ComposeModel model, string tag, CancellationToken cancellationToken)
    {
        model.AudienceTag = tag;
        return CountAsync(model, cancellationToken);
    }

    /// <summary>The ids a send of this form goes to: the eligible picked contacts, or none for a channel or tag audience.</summary>
    public List<int> ContactIdsFor(ComposeModel model) =>
        model.Audience == AudienceKind.Selection ? Selected.Eligible(model.Channel) : [];

    private async Task LoadAsync(IReadOnlyCollection<int> ids, CancellationToken cancellationToken) =>
        Selected = await preview.SelectionAsync(ids, cancellationToken);

    /// <summary>The live count of recipients, the tags of the channel, and how many are outside Messenger's 24-hour window.</summary>
    private async Task CountAsync(ComposeModel model, CancellationToken cancellationToken)
    {
        model.ContactIds = Selected.Eligible(model.Channel);
        Counts = await preview.CountAsync(model, cancellationToken);
        Samples = await preview.SampleAsync(model, SampleSize, cancellationToken);
        Fields = await preview.FieldSetAsync(cancellationToken);
    }

    /// <summary>Template or free text changed: the count of recipients outside the 24-hour window follows it.</summary>
    public Task WhatsAppModeChangedAsync(ComposeModel model, CancellationToken cancellationToken) => CountAsync(model, cancellationToken);
}
