using BulkSender.Core.Activity;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Contacts;
using BulkSender.Core.Data.Configurations;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Idempotency;
using BulkSender.Core.Identity;
using BulkSender.Core.Messages;
using BulkSender.Core.Settings;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Core.Data;

/// <summary>
/// The one model. Each database provider has a derived context (<see cref="SqliteDbContext"/>,
/// <see cref="SqlServerDbContext"/>) that only exists to own that provider's migration set.
/// </summary>
public abstract class AppDbContext(DbContextOptions options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<ContactTag> ContactTags => Set<ContactTag>();
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

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums as readable strings: the database is read by people during incidents.
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfiguration(new IdempotencyRecordConfiguration());

        builder.Entity<Contact>(e =>
        {
            e.Property(c => c.Address).HasMaxLength(320);
            e.Property(c => c.Name).HasMaxLength(200);
            e.HasIndex(c => new { c.Channel, c.Address }).IsUnique();
            e.HasIndex(c => c.Name);
            e.HasIndex(c => new { c.OptedOut, c.Channel });
            e.HasIndex(c => c.CreatedAt);
            e.HasMany(c => c.Tags).WithOne().HasForeignKey(t => t.ContactId).OnDelete(DeleteBehavior.Cascade);
            // Optimistic concurrency: every writer of a contact, set-based ones too, adds one to Version.
            e.Property(c => c.Version).IsConcurrencyToken();
        });

        builder.Entity<ContactTag>(e =>
        {
            e.HasKey(t => new { t.ContactId, t.Tag });
            e.Property(t => t.Tag).HasMaxLength(64);
            e.HasIndex(t => new { t.Tag, t.ContactId });
        });

        builder.Entity<Message>(e =>
        {
            e.Property(m => m.Title).HasMaxLength(200);
            e.Property(m => m.Content).HasMaxLength(20_000);
            e.Property(m => m.MessageTag).HasMaxLength(64);
            e.Property(m => m.AudienceTag).HasMaxLength(64);
            e.Property(m => m.Summary).HasMaxLength(500);
            e.Property(m => m.CreatedById).HasMaxLength(450);
            e.Property(m => m.CreatedByName).HasMaxLength(256);
            e.HasIndex(m => new { m.Status, m.CreatedAt });
            e.HasIndex(m => m.CreatedAt);
            e.HasIndex(m => new { m.RetryPolicy, m.NextRetryAt });
            e.HasIndex(m => new { m.Status, m.ScheduledAt });
        });

        builder.Entity<MessageBatch>(e =>
        {
            e.Property(b => b.Error).HasMaxLength(2000);
            e.Property(b => b.ClaimedBy).HasMaxLength(200);
            e.Property(b => b.JobId).HasMaxLength(64);
            e.HasOne(b => b.Message).WithMany().HasForeignKey(b => b.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(b => new { b.MessageId, b.Number }).IsUnique();
            e.HasIndex(b => new { b.Status, b.HeartbeatAt });
            e.HasIndex(b => new { b.Status, b.DueAt });
        });

        builder.Entity<Delivery>(e =>
        {
            e.Property(d => d.RecipientAddress).HasMaxLength(320);
            e.Property(d => d.RecipientName).HasMaxLength(200);
            e.Property(d => d.ProviderMessageId).HasMaxLength(200);
            e.Property(d => d.ErrorCode).HasMaxLength(64);
            e.Property(d => d.ErrorMessage).HasMaxLength(1000);
            e.HasOne<Message>().WithMany().HasForeignKey(d => d.MessageId).OnDelete(DeleteBehavior.Cascade);
            // No cascade through batches: SQL Server refuses two cascade paths from Messages.
            e.HasOne<MessageBatch>().WithMany().HasForeignKey(d => d.BatchId).OnDelete(DeleteBehavior.NoAction);
            e.HasOne<Contact>().WithMany().HasForeignKey(d => d.ContactId).OnDelete(DeleteBehavior.SetNull);
            e.HasIndex(d => new { d.MessageId, d.Status });
            e.HasIndex(d => new { d.MessageId, d.ContactId, d.AttemptNumber }).IsUnique();
            e.HasIndex(d => new { d.BatchId, d.Status });
            e.HasIndex(d => new { d.ContactId, d.SentAt });
            e.HasIndex(d => d.ProviderMessageId);
            // For cleaning up old sent deliveries by date. Not (Status, SentAt): SQLite, without statistics, would then
            // answer the send path's "Id IN (…) AND Status = …" by scanning every delivery with that status.
            e.HasIndex(d => d.SentAt);
        });

        builder.Entity<DraftRecipient>(e =>
        {
            e.HasKey(r => new { r.MessageId, r.ContactId });
            e.HasOne<Message>().WithMany().HasForeignKey(r => r.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Contact>().WithMany().HasForeignKey(r => r.ContactId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Campaign>(e =>
        {
            e.HasOne(c => c.Message).WithOne().HasForeignKey<Campaign>(c => c.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(c => c.MessageId).IsUnique();
            e.HasIndex(c => new { c.Status, c.NextBatchAt });
            e.HasMany(c => c.Days).WithOne().HasForeignKey(d => d.CampaignId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<CampaignDay>(e =>
        {
            e.HasIndex(d => new { d.CampaignId, d.DayNumber }).IsUnique();
            e.HasOne<MessageBatch>().WithMany().HasForeignKey(d => d.BatchId).OnDelete(DeleteBehavior.NoAction);
        });

        builder.Entity<ActivityEntry>(e =>
        {
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.UserId).HasMaxLength(450);
            e.Property(a => a.UserName).HasMaxLength(256);
            e.Property(a => a.EntityType).HasMaxLength(64);
            e.Property(a => a.EntityId).HasMaxLength(64);
            e.Property(a => a.Details).HasMaxLength(4000);
            e.HasIndex(a => a.At);
            e.HasIndex(a => new { a.UserId, a.At });
        });

        builder.Entity<Setting>(e =>
        {
            e.HasKey(s => s.Key);
            e.Property(s => s.Key).HasMaxLength(200);
            e.Property(s => s.Value).HasMaxLength(8000);
        });

        // Optimistic concurrency of settings forms: one row per group, there from the start.
        builder.Entity<SettingGroup>(e =>
        {
            e.HasKey(g => g.Name);
            e.Property(g => g.Name).HasMaxLength(64);
            e.HasData(SettingVersions.All.Select(name => new SettingGroup { Name = name, Version = 1 }));
        });
    }
}

/// <summary>The SQLite flavour of the model; owns Data/Migrations/Sqlite.</summary>
public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : AppDbContext(options);

/// <summary>The SQL Server flavour of the model; owns Data/Migrations/SqlServer.</summary>
public sealed class SqlServerDbContext(DbContextOptions<SqlServerDbContext> options) : AppDbContext(options);
