using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;

namespace BulkSender.Tests.TestSupport;

/// <summary>Test contacts with valid addresses per channel; numbered so addresses never clash.</summary>
public static class ContactBuilder
{
    private static int next = 1_000_000;

    public static Contact Contact(ChannelKind channel = ChannelKind.Email, string? name = null, bool optedOut = false, params string[] tags)
    {
        var n = Interlocked.Increment(ref next);
        return new Contact
        {
            Channel = channel,
            Address = channel switch
            {
                ChannelKind.Email => $"person{n}@example.org",
                ChannelKind.WhatsApp => $"+4479{n:D8}",
                _ => $"9{n:D15}",
            },
            Name = name ?? $"Person {n}",
            OptedOut = optedOut,
            OptedOutAt = optedOut ? DateTime.UtcNow : null,
            CreatedAt = DateTime.UtcNow,
            UpdatedAt = DateTime.UtcNow,
            Tags = tags.Select(t => new ContactTag { Tag = t }).ToList(),
        };
    }

    public static List<Contact> Many(int count, ChannelKind channel = ChannelKind.Email, params string[] tags) =>
        Enumerable.Range(0, count).Select(_ => Contact(channel, tags: tags)).ToList();
}
