using System.Text.Json;

namespace BulkSender.Core.Funnel;

/// <summary>
/// A WhatsApp status's <c>pricing</c>: { billable, pricing_model (PMP, CBP), category (marketing, utility,
/// authentication, service…), type (regular, free_customer_service, free_entry_point) }. <see cref="Billable"/>: type
/// "regular" (Meta charges it), or the older <c>billable</c> flag where no type is given.
/// </summary>
public sealed record StatusPricing(string? Category, string? Model, string? Type, bool Billable)
{
    public static StatusPricing? From(JsonElement pricing)
    {
        if (pricing.ValueKind != JsonValueKind.Object)
            return null;
        string? Text(string name) => pricing.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() is { } s && s.Length > 32 ? s[..32] : v.GetString()
            : null;
        var type = Text("type");
        var billable = type is not null
            ? type == "regular"
            : pricing.TryGetProperty("billable", out var b) && b.ValueKind == JsonValueKind.True;
        return new StatusPricing(Text("category"), Text("pricing_model"), type, billable);
    }
}
