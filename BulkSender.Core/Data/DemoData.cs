using BulkSender.Core.Channels;
using BulkSender.Core.Contacts;

namespace BulkSender.Core.Data;

/// <summary>
/// Deterministic demo contacts: every channel, a handful of tags, about 2% opted out. Most Messenger contacts wrote in
/// the last 22 hours (a demo send reaches them without a message tag), one in eight longer ago (so the 24-hour rule shows).
/// A third of the WhatsApp contacts wrote in the last 20 hours: free text reaches them, the others need a template.
/// </summary>
public static class DemoData
{
    private static readonly string[] FirstNames =
        ["Ana", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemi", "Liam", "Mara", "Nikos", "Olga",
            "Pablo", "Qiu", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe"];
    private static readonly string[] LastNames =
        ["Almeida", "Brown", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Kowalski", "Lopez", "Muller",
            "Novak", "Okafor", "Petrov", "Rossi", "Silva", "Tanaka", "Weber"];
    private static readonly string[] Tags = ["newsletter", "vip", "customer", "lead", "beta", "events"];

    public static IEnumerable<Contact> Contacts(int count, DateTime now, int seed = 20261123)
    {
        var random = new Random(seed);
        var channels = Enum.GetValues<ChannelKind>();
        for (var i = 1; i <= count; i++)
        {
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var channel = channels[i % channels.Length];
            var address = channel switch
            {
                ChannelKind.Email => $"{first}.{last}.{i}@example.com".ToLowerInvariant(),
                ChannelKind.WhatsApp => $"+1555{i:D7}",
                _ => $"{7_000_000_000_000_000L + i * 7919L}",
            };
            var tags = Tags.Where(_ => random.NextDouble() < 0.25).Select(t => new ContactTag { Tag = t }).ToList();
            var optedOut = random.NextDouble() < 0.02;
            var created = now.AddDays(-random.Next(1, 365)).AddMinutes(-random.Next(0, 1440));
            yield return new Contact
            {
                Channel = channel,
                Address = address,
                Name = $"{first} {last}",
                OptedOut = optedOut,
                OptedOutAt = optedOut ? created.AddDays(1) : null,
                LastInboundAt = channel switch
                {
                    ChannelKind.Messenger => LastInbound(now, random.Next(1, 24 * 14)),
                    ChannelKind.WhatsApp => WhatsAppInbound(now, i),
                    _ => null,
                },
                CreatedAt = created,
                UpdatedAt = created,
                Tags = tags,
            };
        }
    }

    /// <summary>From the contact's number, not a draw, so every other demo value stays as it was.</summary>
    private static DateTime? WhatsAppInbound(DateTime now, int i) => i / 3 % 3 == 0 ? now.AddHours(-(1 + i % 19)) : null;

    /// <summary>One draw of 1–335 decides it (the same draws as before, so every other demo value stays as it was).</summary>
    private static DateTime LastInbound(DateTime now, int draw) =>
        draw % 8 == 0 ? now.AddHours(-(24 + draw)) : now.AddHours(-(1 + draw % 22));
}
