using System.Security.Cryptography;
using BulkSender.Core.Channels;
using Microsoft.AspNetCore.DataProtection;

namespace BulkSender.Core.Compliance;

/// <summary>
/// The token of an unsubscribe link: the contact's channel and address, encrypted and signed with ASP.NET Core Data
/// Protection (keys in the database, so every instance reads every link). No expiry: an old e-mail's link still works.
/// </summary>
public sealed class UnsubscribeTokens(IDataProtectionProvider protection)
{
    private readonly IDataProtector protector = protection.CreateProtector("BulkSender.Unsubscribe.v1");

    public string Create(ChannelKind channel, string address) => protector.Protect($"{channel}:{address}");

    /// <summary>The contact the token names, or null for a forged, altered or malformed token.</summary>
    public (ChannelKind Channel, string Address)? Read(string? token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 2000)
            return null;
        try
        {
            var text = protector.Unprotect(token);
            var colon = text.IndexOf(':');
            return colon > 0 && Enum.TryParse<ChannelKind>(text[..colon], out var channel) ? (channel, text[(colon + 1)..]) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public Uri Link(Uri publicBaseUrl, ChannelKind channel, string address) =>
        new($"{publicBaseUrl.ToString().TrimEnd('/')}/unsubscribe?token={Uri.EscapeDataString(Create(channel, address))}");
}
