using System.Net.Mail;
using System.Text.RegularExpressions;
using BulkSender.Core.Channels;

namespace BulkSender.Core.Contacts;

/// <summary>How each channel writes an address: parsing, normalizing and checking it, in one place.</summary>
public static partial class ContactAddress
{
    /// <summary>"messenger", "email"/"e-mail", "whatsapp" (any case) → the channel.</summary>
    public static bool TryParseChannel(string? text, out ChannelKind channel)
    {
        switch (text?.Trim().Replace("-", "").Replace(" ", "").ToLowerInvariant())
        {
            case "messenger" or "facebook" or "fb": channel = ChannelKind.Messenger; return true;
            case "email" or "mail": channel = ChannelKind.Email; return true;
            case "whatsapp" or "wa": channel = ChannelKind.WhatsApp; return true;
            default: channel = default; return false;
        }
    }

    /// <summary>Trims; lower-cases e-mail; drops spaces, dashes, dots and brackets from phone numbers.</summary>
    public static string Normalize(ChannelKind channel, string? address)
    {
        var text = (address ?? "").Trim();
        return channel switch
        {
            ChannelKind.Email => text.ToLowerInvariant(),
            ChannelKind.WhatsApp => PhoneNoise().Replace(text, ""),
            _ => text,
        };
    }

    /// <summary>Null when the (normalized) address is valid for the channel, else why not.</summary>
    public static string? Problem(ChannelKind channel, string address) => channel switch
    {
        _ when address.Length == 0 => "The address is empty.",
        _ when address.Length > 320 => "The address is longer than 320 characters.",
        ChannelKind.Email when !IsEmail(address) => $"'{address}' is not a valid e-mail address.",
        ChannelKind.WhatsApp when !E164().IsMatch(address) => $"'{address}' is not an E.164 phone number (like +14155550123).",
        ChannelKind.Messenger when !Psid().IsMatch(address) => $"'{address}' is not a Messenger page-scoped ID (digits only).",
        _ => null,
    };

    private static bool IsEmail(string address) =>
        MailAddress.TryCreate(address, out var parsed) && parsed.Address == address && SimpleEmail().IsMatch(address);

    [GeneratedRegex(@"[\s\-\.\(\)]")]
    private static partial Regex PhoneNoise();

    [GeneratedRegex(@"^\+[1-9]\d{7,14}$")]
    private static partial Regex E164();

    [GeneratedRegex(@"^\d{5,32}$")]
    private static partial Regex Psid();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex SimpleEmail();
}
