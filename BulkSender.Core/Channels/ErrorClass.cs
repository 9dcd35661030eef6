using BulkSender.Core.Retries;

namespace BulkSender.Core.Channels;

/// <summary>How a provider's error code maps to our <see cref="ErrorType"/>, with a reason to put before the provider's message.</summary>
public sealed record ErrorClass(ErrorType Type, string? Reason = null);
