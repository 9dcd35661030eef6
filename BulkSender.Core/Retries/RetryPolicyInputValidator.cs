using FluentValidation;

namespace BulkSender.Core.Retries;

public sealed class RetryPolicyInputValidator : AbstractValidator<RetryPolicyInput>
{
    public RetryPolicyInputValidator()
    {
        RuleFor(p => p.Policy).IsInEnum().WithMessage("The retry policy must be Manual, Immediate or Scheduled.");
        RuleFor(p => p.MaxAttempts).InclusiveBetween(1, 10).WithMessage("Max attempts must be between 1 and 10.");
    }
}
