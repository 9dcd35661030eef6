using System.Security.Claims;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;

namespace BulkSender.Tests.Web.Messages;

/// <summary>The notice the operator who sent a message gets when it ends, wherever they are in the dashboard (bUnit).</summary>
public sealed class SendNotificationsTests : MudTestContext
{
    private const string OperatorId = "operator-1";
    private readonly ProgressFeed feed = new(NullLogger<ProgressFeed>.Instance);

    public SendNotificationsTests()
    {
        Services.AddSingleton(feed);
        AddAuthorization().SetAuthorized("operator@test.local").SetClaims(new Claim(ClaimTypes.NameIdentifier, OperatorId));
        SetRendererInfo(new RendererInfo("Server", true)); // the notices come to interactive circuits only
    }

    [Fact]
    public void Only_the_senders_own_sends_are_told_with_their_summary_and_how_they_went()
    {
        var corner = Render<MudSnackbarProvider>();
        Render<SendNotifications>();

        feed.Publish(new SendCompleted(1, "All went", MessageStatus.Sent, "Sent to 10 recipients."), OperatorId);
        feed.Publish(new SendCompleted(2, "Some failed", MessageStatus.PartiallySent, "Sent to 8 recipients. 2 failed."), OperatorId);
        feed.Publish(new SendCompleted(3, "None went", MessageStatus.Failed, "Sent to 0 recipients. 10 failed."), OperatorId);
        feed.Publish(new SendCompleted(4, "Stopped", MessageStatus.Cancelled, "Cancelled after 4 recipients."), OperatorId);
        feed.Publish(new SendCompleted(5, "Someone else's", MessageStatus.Failed, "Sent to 0 recipients. 1 failed."), "operator-2");

        corner.WaitForAssertion(() => corner.FindAll(".mud-snackbar").Count.ShouldBe(4), TimeSpan.FromSeconds(5));
        var shown = Services.GetRequiredService<ISnackbar>().ShownSnackbars.ToDictionary(s => s.Message ?? "", s => s.Severity);
        shown.ShouldBe(new Dictionary<string, Severity>
        {
            ["“All went”: Sent to 10 recipients."] = Severity.Success,
            ["“Some failed”: Sent to 8 recipients. 2 failed."] = Severity.Warning,
            ["“None went”: Sent to 0 recipients. 10 failed."] = Severity.Error,
            ["“Stopped”: Cancelled after 4 recipients."] = Severity.Info,
        }, ignoreOrder: true);
    }

    [Fact]
    public void A_send_with_failures_stays_until_dismissed_while_one_that_went_as_asked_hides_by_itself()
    {
        // A send's notice lasts twice the usual time: 10 s in the app, 100 ms here, so its hiding is seen in real time.
        var usual = Services.GetRequiredService<ISnackbar>().Configuration;
        (usual.ShowTransitionDuration, usual.VisibleStateDuration, usual.HideTransitionDuration) = (10, 50, 10);
        var corner = Render<MudSnackbarProvider>();
        Render<SendNotifications>();
        feed.Publish(new SendCompleted(1, "Some failed", MessageStatus.PartiallySent, "Sent to 8 recipients. 2 failed."), OperatorId);
        feed.Publish(new SendCompleted(2, "None went", MessageStatus.Failed, "Sent to 0 recipients. 10 failed."), OperatorId);
        corner.WaitForAssertion(() => Shown(corner).ShouldBe(["Some failed", "None went"]), TimeSpan.FromSeconds(5));

        // Two sends that went as asked, one after the other: each shows, then hides by itself; the failures, which
        // came before both, would have hidden first had they not waited for the operator.
        foreach (var (id, title, status) in new[] { (3, "All went", MessageStatus.Sent), (4, "Stopped", MessageStatus.Cancelled) })
        {
            feed.Publish(new SendCompleted(id, title, status, "Sent to 10 recipients."), OperatorId);
            corner.WaitForAssertion(() => Shown(corner).ShouldContain(title), TimeSpan.FromSeconds(5));
            corner.WaitForAssertion(() => Shown(corner).ShouldNotContain(title), TimeSpan.FromSeconds(5));
        }
        Shown(corner).ShouldBe(["Some failed", "None went"]);

        corner.FindAll(".mud-snackbar").First(n => n.TextContent.Contains("“None went”", StringComparison.Ordinal))
            .QuerySelector("button[aria-label]")!.Click();
        corner.WaitForAssertion(() => Shown(corner).ShouldBe(["Some failed"]), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Open_on_a_notice_goes_to_its_message()
    {
        var corner = Render<MudSnackbarProvider>();
        Render<SendNotifications>();

        feed.Publish(new SendCompleted(7, "Some failed", MessageStatus.PartiallySent, "Sent to 8 recipients. 2 failed."), OperatorId);

        corner.WaitForElement(".mud-snackbar", TimeSpan.FromSeconds(5));
        corner.FindAll(".mud-snackbar button").Single(b => b.TextContent.Trim() == "Open").Click();
        Services.GetRequiredService<NavigationManager>().Uri.ShouldEndWith("/messages/7");
    }

    /// <summary>The titles of the notices on screen, in order.</summary>
    private static List<string> Shown(IRenderedComponent<MudSnackbarProvider> corner) =>
        corner.FindAll(".mud-snackbar").Select(n => n.TextContent.Split('“', '”')[1]).ToList();
}
