using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BulkSender.Core.Activity;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace BulkSender.Core.Idempotency;

/// <summary>One user's key for one send, and the hash of the request that came with it.</summary>
public sealed record SendKey(string UserId, string Key, string RequestHash)
{
    public IdempotencyRecord NewRecord(DateTime now) => new() { UserId = UserId, Key = Key, RequestHash = RequestHash, CreatedAt = now };
}

/// <summary>
/// Idempotency keys for sends (the API's Idempotency-Key header, the compose page's key per session). The rule:
/// <list type="number">
/// <item>A live record for the user's key (younger than <see cref="Lifetime"/>) answers the request: the first
/// send's outcome again when the request hash matches, a refusal when it does not. Nothing is validated or
/// written again.</item>
/// <item>Otherwise the send inserts the key's row as the first statement of its own transaction. A concurrent
/// request with the same key blocks on that row until the first commits (SQL Server's key lock; SQLite's single
/// writer), then fails on the primary key and reads the committed answer. If the first rolls back, the second
/// inserts the row and sends. The database decides, so this holds across app instances.</item>
/// <item>A refused request (validation, nobody to send to) writes no row: the client can correct it and retry
/// with the same key.</item>
/// </list>
/// Records of expired keys are ignored, replaced when their key is used again, and deleted by the daily cleanup.
/// </summary>
public sealed class IdempotencyKeys(IDbContextFactory<AppDbContext> dbs, TimeProvider clock)
{
    public const int MaxKeyLength = 255;

    /// <summary>How long a key's answer is kept.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    // The API's wire names (snake_case), so a key stored before the model lost its [JsonPropertyName] attributes still matches.
    private static readonly JsonSerializerOptions HashJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>What is wrong with a client's key, or null: 1 to 255 printable ASCII characters.</summary>
    public static string? Problem(string key) =>
        key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~')
            ? $"An idempotency key is 1 to {MaxKeyLength} printable ASCII characters (a UUID is a good one)."
            : null;

    public static SendKey For(Actor sender, string key, ComposeModel model, int? draftId) => new(sender.UserId ?? "", key, Hash(model, draftId));

    /// <summary>
    /// SHA-256 of the request as read (so spacing and field order of a JSON body do not matter; the order of a
    /// selection does not either).
    /// </summary>
    public static string Hash(ComposeModel model, int? draftId)
    {
        var request = new
        {
            draftId, model.Title, model.Content, model.Channel, model.MessageTag, model.Audience,
            ContactIds = model.ContactIds?.Distinct().Order().ToList(), model.AudienceTag, model.When, model.ScheduledAt,
            model.DailyLimit, model.RetryPolicy, model.MaxAttempts, model.WhatsAppTemplate,
        };
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, HashJson))));
    }

    /// <summary>The live record of this key, or null; an expired one is deleted (only its own row, only if it is still that one).</summary>
    public async Task<IdempotencyRecord?> FindAsync(SendKey key, CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var record = await db.IdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(r => r.UserId == key.UserId && r.Key == key.Key, cancellationToken);
        if (record is null || record.CreatedAt > Cutoff())
            return record;
        await db.IdempotencyKeys.Where(r => r.UserId == key.UserId && r.Key == key.Key && r.CreatedAt == record.CreatedAt)
            .ExecuteDeleteAsync(cancellationToken);
        return null;
    }

    /// <summary>The answer a live record gives a request: its outcome again, or a refusal when the request differs.</summary>
    public static ComposeOutcome Answer(IdempotencyRecord record, SendKey key) =>
        record.RequestHash == key.RequestHash
            ? record.ToOutcome()
            : ComposeOutcome.Invalid(ComposeOutcome.IdempotencyKeyField, KeyReusedMessage) with { KeyReused = true };

    private const string KeyReusedMessage =
        "This idempotency key was already used for a different request. Use a new key for a new send.";

    /// <summary>Deletes the records of expired keys, set-based; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var cutoff = Cutoff();
        return await db.IdempotencyKeys.Where(r => r.CreatedAt <= cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>True when the insert failed because the key's row exists (the other request committed first).</summary>
    public static bool IsDuplicate(DbUpdateException exception) => exception.InnerException switch
    {
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 1555 or 2067, // SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE
        SqlException sql => sql.Number is 2627 or 2601,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };

    private DateTime Cutoff() => clock.GetUtcNow().UtcDateTime - Lifetime;
}
