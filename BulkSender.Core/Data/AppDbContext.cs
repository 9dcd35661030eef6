using BulkSender.Core.Activity;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels.Pauses;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Idempotency;
using BulkSender.Core.Identity;
using BulkSender.Core.Messages;
using BulkSender.Core.Settings;
using BulkSender.Core.Templates;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

/// <summary>
/// The one model. Each database provider has a derived context (<see cref="SqliteDbContext"/>,
/// <see cref="SqlServerDbContext"/>, <see cref="PostgreSqlDbContext"/>) that only exists to own that provider's migration set.
/// </summary>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<ContactTag> ContactTags => Set<ContactTag>();
    public DbSet<ContactFieldDefinition> ContactFieldDefinitions => Set<ContactFieldDefinition>();
    public DbSet<ContactFieldValue> ContactFieldValues => Set<ContactFieldValue>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<MessageBatch> Batches => Set<MessageBatch>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<DraftRecipient> DraftRecipients => Set<DraftRecipient>();
    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CampaignDay> CampaignDays => Set<CampaignDay>();
    public DbSet<ActivityEntry> Activity => Set<ActivityEntry>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<SettingGroup> SettingGroups => Set<SettingGroup>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<ChannelPause> ChannelPauses => Set<ChannelPause>();
    public DbSet<WhatsAppTemplate> WhatsAppTemplates => Set<WhatsAppTemplate>();
    public DbSet<Attachments.Attachment> Attachments => Set<Attachments.Attachment>();
    public DbSet<Channels.RateLimits.RateLimitAccount> RateLimitAccounts => Set<Channels.RateLimits.RateLimitAccount>();
    public DbSet<Channels.LimitCounter> LimitCounters => Set<Channels.LimitCounter>();
    public DbSet<Channels.WhatsApp.MessagingLimitContact> MessagingLimitContacts => Set<Channels.WhatsApp.MessagingLimitContact>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums as readable strings: the database is read by people during incidents.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // One IEntityTypeConfiguration per entity, in Data/Configurations.
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }
}
