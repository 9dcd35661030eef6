using System.Globalization;
using System.Text.RegularExpressions;
using BulkSender.Core.Channels;
using FluentValidation;

namespace BulkSender.Core.Contacts;

/// <summary>A contact as a person types it: one CSV row, or the edit form.</summary>
public sealed class ContactInput
{
    public string Name { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Address { get; set; } = "";

    /// <summary>Separated by ';', ',' or '|'.</summary>
    public string? Tags { get; set; }

    /// <summary>true/false, yes/no, 1/0, or empty for false.</summary>
    public string? OptedOut { get; set; }

    /// <summary>When the contact last wrote to us (Messenger's 24-hour window): ISO 8601, UTC unless it names an offset; empty for unknown.</summary>
    public string? LastInboundAt { get; set; }

    public ChannelKind? ParsedChannel => ContactAddress.TryParseChannel(Channel, out var c) ? c : null;

    public string NormalizedAddress => ParsedChannel is { } c ? ContactAddress.Normalize(c, Address) : Address.Trim();

    public IReadOnlyList<string> ParsedTags => ContactTags.Parse(Tags);

    public bool? ParsedOptedOut => OptedOut?.Trim().ToLowerInvariant() switch
    {
        null or "" or "false" or "no" or "0" or "n" => false,
        "true" or "yes" or "1" or "y" => true,
        _ => null,
    };

    /// <summary>The ISO 8601 forms accepted for <see cref="LastInboundAt"/>: a date and time (with seconds and fractions optional) and an optional Z or offset.</summary>
    private static readonly string[] IsoFormats =
        ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK"];

    public bool HasLastInboundAt => !string.IsNullOrWhiteSpace(LastInboundAt);

    /// <summary>The parsed <see cref="LastInboundAt"/> in UTC; null when it is empty or not ISO 8601.</summary>
    public DateTime? ParsedLastInboundAt =>
        HasLastInboundAt && DateTimeOffset.TryParseExact(LastInboundAt!.Trim(), IsoFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime
            : null;
}

public static partial class ContactTags
{
    public const int MaxLength = 64;

    public static IReadOnlyList<string> Parse(string? text) =>
        (text ?? "").Split([';', ',', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.ToLowerInvariant())
            .Distinct()
            .ToList();

    public static bool IsValid(string tag) => tag.Length is > 0 and <= MaxLength && TagPattern().IsMatch(tag);

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_\-]*$")]
    private static partial Regex TagPattern();
}

/// <summary>The rules for one contact, shared by the CSV import and the edit form.</summary>
public sealed class ContactInputValidator : AbstractValidator<ContactInput>
{
    public ContactInputValidator()
    {
        RuleFor(c => c.Name).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("The name is empty.")
            .MaximumLength(200).WithMessage("The name is longer than 200 characters.");
        RuleFor(c => c.Channel).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("The channel is empty (use messenger, email or whatsapp).")
            .Must(c => ContactAddress.TryParseChannel(c, out _)).WithMessage(c => $"Unknown channel '{c.Channel}' (use messenger, email or whatsapp).");
        RuleFor(c => c.NormalizedAddress)
            .Must((c, address) => ContactAddress.Problem(c.ParsedChannel!.Value, address) is null)
            .WithMessage((c, address) => ContactAddress.Problem(c.ParsedChannel!.Value, address))
            .When(c => c.ParsedChannel is not null)
            .OverridePropertyName(nameof(ContactInput.Address));
        RuleFor(c => c.ParsedTags)
            .Must(tags => tags.All(ContactTags.IsValid))
            .WithMessage(c => $"Tags may use letters, digits, '-' and '_' (up to {ContactTags.MaxLength} characters): '{string.Join("', '", c.ParsedTags.Where(t => !ContactTags.IsValid(t)))}'.")
            .OverridePropertyName(nameof(ContactInput.Tags));
        RuleFor(c => c.ParsedOptedOut)
            .NotNull().WithMessage(c => $"opted_out must be true or false, not '{c.OptedOut}'.")
            .OverridePropertyName(nameof(ContactInput.OptedOut));
        RuleFor(c => c.ParsedLastInboundAt)
            .NotNull().When(c => c.HasLastInboundAt)
            .WithMessage(c => $"last_inbound_at must be an ISO 8601 date and time such as 2026-11-30T14:05:00Z, not '{c.LastInboundAt}'.")
            .OverridePropertyName(nameof(ContactInput.LastInboundAt));
    }
}
