using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using BulkSender.Core.Channels;
using BulkSender.Core.Messages;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Messages;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.Messages;

/// <summary>The typed hub at /hubs/progress, driven by a real SignalR client over the real socket.</summary>
[Collection(AppCollection.Name)]
public sealed class ProgressHubTests(AppFixture app)
{
    private HubConnection Connect(CookieContainer? cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, ProgressHub.Route), o =>
            {
                if (cookies is not null)
                    o.Cookies = cookies;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();

    [Fact]
    public async Task The_hub_refuses_anonymous_connections()
    {
        await using var hub = Connect(cookies: null);

        var error = await Should.ThrowAsync<HttpRequestException>(() => hub.StartAsync());

        error.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Scripts_connect_with_a_bearer_token()
    {
        using var client = app.NewClient();
        var token = await Login.BearerTokenAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, ProgressHub.Route), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();

        await hub.StartAsync();

        (await hub.InvokeAsync<MessageProgress?>(nameof(ProgressHub.Subscribe), 999_999)).ShouldBeNull();
    }

    [Fact]
    public async Task A_subscriber_gets_the_current_state_then_throttled_live_progress_and_the_summary()
    {
        var cookies = new CookieContainer();
        using var client =
            new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);
        await using var hub = Connect(cookies);
        var updates = new ConcurrentQueue<(DateTime At, MessageProgress Progress)>();
        var completed = new TaskCompletionSource<SendCompleted>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<MessageProgress>(nameof(IProgressClient.Progress), p => updates.Enqueue((DateTime.UtcNow, p)));
        hub.On<SendCompleted>(nameof(IProgressClient.Completed), c => completed.TrySetResult(c));
        await hub.StartAsync();

        // A scheduled send first, so the subscription is in place before anything is sent; then it is released.
        var response = await client.PostAsJsonAsync("/api/messages", new
        {
            title = "Watched", content = "Hi", channel = "messenger", audience = "channel", when = "at", scheduled_at = DateTime.UtcNow.AddHours(1),
        });
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var initial = await hub.InvokeAsync<MessageProgress?>(nameof(ProgressHub.Subscribe), id);
        initial!.Status.ShouldBe(MessageStatus.Scheduled);
        initial.Batches.Count.ShouldBe(initial.BatchCount);
        await using (var db = app.NewDbContext())
            await db.Messages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.ScheduledAt, DateTime.UtcNow.AddSeconds(-1)));
        await using (var db = app.NewDbContext())
            await db.Batches.Where(b => b.MessageId == id).ExecuteUpdateAsync(s => s.SetProperty(b => b.DueAt, DateTime.UtcNow.AddSeconds(-1)));
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<BulkSender.Core.Jobs.ReconcileJob>().RunAsync(default);

        var summary = await completed.Task.WaitAsync(TimeSpan.FromSeconds(60));

        await using (var db = app.NewDbContext())
        {
            var message = await db.Messages.SingleAsync(m => m.Id == id);
            summary.Summary.ShouldBe(message.Summary);
            (await hub.InvokeAsync<MessageProgress?>(nameof(ProgressHub.Subscribe), id))!.Processed.ShouldBe(message.TotalRecipients);
        }
        var live = updates.Select(u => u.Progress).ToList();
        live.ShouldNotBeEmpty();
        live.Select(p => p.Processed).ShouldBeInOrder(SortDirection.Ascending);
        live.SelectMany(p => p.Batches).Where(b => b.Status == BulkSender.Core.Dispatch.BatchStatus.Completed)
            .Select(b => b.BatchId).Distinct().Count()
            .ShouldBe(initial.BatchCount, "every batch's completion is pushed");
        // Counter updates are throttled to 4 a second; state changes (each batch starting and ending, the message) come on top.
        var seconds = (updates.Last().At - updates.First().At).TotalSeconds;
        live.Count.ShouldBeLessThanOrEqualTo((int)Math.Ceiling(seconds * 4) + 2 * initial.BatchCount + 4);
        await hub.InvokeAsync(nameof(ProgressHub.Unsubscribe), id);
    }
}
