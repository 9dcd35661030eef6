using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BulkSender.Tests.Web.Retries;

public sealed class FailedRecipientsViewTests : MudTestContext
{
    private static FailedRecipient Failed(int contactId, ErrorType type, string? notRetryable = null) =>
        new(contactId, contactId, $"Person {contactId}", $"p{contactId}@example.com", "E1", $"{type} failure", type, 1,
            DateTime.UtcNow, notRetryable);

    private static FailedRecipientsReport Report() => new(7, "Spring sale", MessageStatus.PartiallySent, Sent: 235, Failed: 5,
        Total: 240, Retryable: 4, MaxAttempts: 3, RetryPolicyType.Manual, RetryCount: 0, NextRetryAt: null,
        new Dictionary<ErrorType, int> { [ErrorType.Network] = 2, [ErrorType.RateLimit] = 2, [ErrorType.InvalidRecipient] = 1 },
        [Failed(1, ErrorType.Network), Failed(2, ErrorType.Network), Failed(3, ErrorType.RateLimit), Failed(4, ErrorType.RateLimit),
         Failed(5, ErrorType.InvalidRecipient, RetryRules.InvalidRecipientReason)]);

    [Fact]
    public void Shows_sent_failed_and_retryable_counts_and_a_chip_per_error_type()
    {
        var view = Render<FailedRecipientsView>(p => p.Add(v => v.Report, Report()));

        view.Find("[data-testid=count-sent]").TextContent.ShouldContain("235 sent");
        view.Find("[data-testid=count-failed]").TextContent.ShouldContain("5 failed");
        view.Find("[data-testid=count-retryable]").TextContent.ShouldContain("4 retryable");
        view.Find("[data-testid=type-network]").TextContent.ShouldContain("Network (2)");
        view.Find("[data-testid=type-invalid_recipient]").TextContent.ShouldContain("Invalid recipient (1)");
        view.Find("[data-testid=retry-all]").TextContent.ShouldContain("Retry all (4)");
        view.FindAll("[data-testid=failed-table] tbody tr").Count.ShouldBe(5);
        view.Markup.ShouldContain(RetryRules.InvalidRecipientReason);
    }

    [Fact]
    public void An_error_type_chip_filters_the_list_and_retries_that_type()
    {
        RetryRequest? asked = null;
        var view = Render<FailedRecipientsView>(p => p.Add(v => v.Report, Report())
            .Add(v => v.OnRetry, EventCallback.Factory.Create<RetryRequest>(this, r => asked = r)));

        view.Find("[data-testid=type-rate_limit]").Click();

        view.WaitForAssertion(() => view.FindAll("[data-testid=failed-table] tbody tr").Count.ShouldBe(2));
        view.Find("[data-testid=failed-table]").TextContent.ShouldNotContain("Network failure");
        view.Find("[data-testid=retry-types]").TextContent.ShouldContain("Retry rate limit failures (2)");
        view.Find("[data-testid=retry-types]").Click();
        view.WaitForAssertion(() => asked.ShouldNotBeNull().ErrorTypes.ShouldBe([ErrorType.RateLimit]));
    }

    [Fact]
    public void Retry_selected_sends_only_the_checked_retryable_recipients()
    {
        RetryRequest? asked = null;
        var view = Render<FailedRecipientsView>(p => p.Add(v => v.Report, Report())
            .Add(v => v.OnRetry, EventCallback.Factory.Create<RetryRequest>(this, r => asked = r)));
        view.Find("[data-testid=retry-selected]").HasAttribute("disabled").ShouldBeTrue();

        var boxes = view.FindAll("[data-testid=failed-table] tbody tr input[type=checkbox]");
        boxes[0].Change(true);
        view.FindAll("[data-testid=failed-table] tbody tr input[type=checkbox]")[4].Change(true);

        view.WaitForAssertion(() => view.Find("[data-testid=retry-selected]").TextContent.ShouldContain("Retry selected (1)"));
        view.Find("[data-testid=retry-selected]").Click();
        view.WaitForAssertion(() => asked.ShouldNotBeNull().ContactIds.ShouldBe([1]));
    }

    [Fact]
    public void No_failures_shows_an_empty_state()
    {
        var report = Report() with { Failed = 0, Retryable = 0, ErrorTypeCounts = new Dictionary<ErrorType, int>(), Recipients = [] };

        var view = Render<FailedRecipientsView>(p => p.Add(v => v.Report, report));

        view.Markup.ShouldContain("No failed recipients");
    }
}
