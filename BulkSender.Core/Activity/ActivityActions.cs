namespace BulkSender.Core.Activity;

/// <summary>Every action the activity log records, and how the dashboard says it.</summary>
public static class ActivityActions
{
    public const string ContactsImported = "contacts.imported";
    public const string ContactsDeleted = "contacts.deleted";
    public const string ContactUpdated = "contact.updated";
    public const string ContactOptedOut = "contact.opted_out";
    public const string ContactOptedIn = "contact.opted_in";
    public const string ContactFieldAdded = "contact_field.added";
    public const string ContactFieldChanged = "contact_field.changed";
    public const string ContactFieldDeleted = "contact_field.deleted";
    public const string DraftSaved = "message.draft_saved";
    public const string MessageSent = "message.sent";
    public const string TestSent = "message.test_sent";
    public const string MessageScheduled = "message.scheduled";
    public const string MessageUnscheduled = "message.unscheduled";
    public const string MessageCancelled = "message.cancelled";
    public const string ConversationClosed = "message.conversation_closed";
    public const string RetryStarted = "retry.started";
    public const string RetryPolicyChanged = "retry.policy_changed";
    public const string RetryDefaultsChanged = "retry.defaults_changed";
    public const string CampaignCreated = "campaign.created";
    public const string CampaignPaused = "campaign.paused";
    public const string CampaignResumed = "campaign.resumed";
    public const string CampaignCancelled = "campaign.cancelled";
    public const string ChannelSettingsChanged = "channel.settings_changed";
    public const string ChannelPaused = "channel.paused";
    public const string ChannelResumed = "channel.resumed";
    public const string ReplySent = "message.reply_sent";
    public const string UserCreated = "user.created";
    public const string UserPasswordReset = "user.password_reset";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string UserRoleChanged = "user.role_changed";

    private static readonly Dictionary<string, string> Labels = new()
    {
        [ContactsImported] = "Imported contacts",
        [ContactsDeleted] = "Deleted contacts",
        [ContactUpdated] = "Edited a contact",
        [ContactOptedOut] = "Contact opted out",
        [ContactOptedIn] = "Opted a contact back in",
        [ContactFieldAdded] = "Added a contact field",
        [ContactFieldChanged] = "Changed a contact field",
        [ContactFieldDeleted] = "Deleted a contact field",
        [DraftSaved] = "Saved a draft",
        [MessageSent] = "Sent a message",
        [TestSent] = "Sent a test message",
        [MessageScheduled] = "Scheduled a send",
        [MessageUnscheduled] = "Unscheduled a send",
        [MessageCancelled] = "Cancelled a send",
        [ConversationClosed] = "Closed a conversation",
        [RetryStarted] = "Retried failed recipients",
        [RetryPolicyChanged] = "Changed a retry policy",
        [RetryDefaultsChanged] = "Changed the default retry policy",
        [CampaignCreated] = "Started a campaign",
        [CampaignPaused] = "Paused a campaign",
        [CampaignResumed] = "Resumed a campaign",
        [CampaignCancelled] = "Cancelled a campaign",
        [ChannelSettingsChanged] = "Changed channel settings",
        [ChannelPaused] = "A channel was paused",
        [ChannelResumed] = "Resumed a channel",
        [ReplySent] = "Replied to a contact",
        [UserCreated] = "Created a user",
        [UserPasswordReset] = "Reset a password",
        [UserDisabled] = "Disabled a user",
        [UserEnabled] = "Enabled a user",
        [UserRoleChanged] = "Changed a user's role",
    };

    /// <summary>All the actions, for lists and tests.</summary>
    public static IReadOnlyCollection<string> All => Labels.Keys;

    /// <summary>What the dashboard shows for an action; the action itself when it has no label (an older entry).</summary>
    public static string Label(string action) => Labels.GetValueOrDefault(action, action);
}
