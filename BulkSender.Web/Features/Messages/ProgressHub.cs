using BulkSender.Core.Data;
using BulkSender.Core.Identity;
using BulkSender.Core.Messages;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;

namespace BulkSender.Web.Features.Messages;

/// <summary>What the server calls on hub clients.</summary>
public interface IProgressClient
{
    /// <summary>The send's counters, with the batches that changed since the last update.</summary>
    Task Progress(MessageProgress progress);

    Task Completed(SendCompleted completed);
}

/// <summary>
/// Live progress of sends, a group per message. Clients call <see cref="Subscribe"/> with a message id and receive
/// <see cref="IProgressClient.Progress"/> (a few a second at most, plus every batch state change) and
/// <see cref="IProgressClient.Completed"/>. Login required: checked when connecting, and a connection whose account
/// changes (disabled, role, password, a logout) is closed at once; reconnecting goes through the checks again.
/// </summary>
[Authorize]
public sealed class ProgressHub(IDbContextFactory<AppDbContext> dbs, AccountChanges changes) : Hub<IProgressClient>
{
    public const string Route = "/hubs/progress";

    private static readonly object ChangeHandler = new();

    public override Task OnConnectedAsync()
    {
        var connection = Context;
        var userId = connection.UserIdentifier;
        Action<string> handler = changed =>
        {
            if (changed == userId)
                connection.Abort();
        };
        connection.Items[ChangeHandler] = handler;
        changes.Changed += handler;
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(ChangeHandler, out var handler) && handler is Action<string> h)
            changes.Changed -= h;
        return base.OnDisconnectedAsync(exception);
    }

    public static string Group(int messageId) => $"message-{messageId}";

    /// <summary>Joins the message's group; returns its current state with all batches (null: no such message).</summary>
    public async Task<MessageProgress?> Subscribe(int messageId)
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(messageId), Context.ConnectionAborted);
        await using var db = await dbs.CreateDbContextAsync(Context.ConnectionAborted);
        return await MessageQueries.SnapshotAsync(db, messageId, null, Context.ConnectionAborted);
    }

    public Task Unsubscribe(int messageId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(messageId), Context.ConnectionAborted);
}

public static class ProgressHubEndpoints
{
    public static IEndpointRouteBuilder MapProgressHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<ProgressHub>(ProgressHub.Route);
        return app;
    }
}
