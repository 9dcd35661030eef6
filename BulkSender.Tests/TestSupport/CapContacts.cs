using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Tests.TestSupport;

/// <summary>2,010 e-mail contacts named "Captest 0001"…: one search reaches the 2,000 cap, or any number of full pages.</summary>
public static class CapContacts
{
    public const string Prefix = "Captest";
    public const int Count = 2010;
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureAsync(AppFixture app)
    {
        await Gate.WaitAsync();
        try
        {
            await using var db = app.NewDbContext();
            if (await db.Contacts.AnyAsync(c => c.Name.StartsWith(Prefix)))
                return;
            var now = DateTime.UtcNow;
            db.Contacts.AddRange(Enumerable.Range(1, Count).Select(i => new Contact
            {
                Channel = ChannelKind.Email,
                Address = $"captest{i:D4}@example.net",
                Name = $"{Prefix} {i:D4}",
                CreatedAt = now,
                UpdatedAt = now,
            }));
            await db.SaveChangesAsync();
        }
        finally
        {
            Gate.Release();
        }
    }
}
