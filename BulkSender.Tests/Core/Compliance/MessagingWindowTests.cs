using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Messages;
using BulkSender.Core.Retries;
using BulkSender.Tests.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace BulkSender.Tests.Core.Compliance;

public sealed class MessagingWindowTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2025, 5, 10, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_contact_who_wrote_within_24_hours_may_get_a_message_without_a_tag()
    {
        var lastInbound = clock.GetUtcNow().UtcDateTime;
        clock.Advance(TimeSpan.FromHours(23).Add(TimeSpan.FromMinutes(59)));

        MessagingWindow.Check(ChannelKind.Messenger, lastInbound, clock.GetUtcNow()).ShouldBeNull();
    }

    [Fact]
    public void After_24_hours_an_untagged_message_fails_as_permission_outside_the_window()
    {
        var lastInbound = clock.GetUtcNow().UtcDateTime;
        clock.Advance(TimeSpan.FromHours(24));

        var failure = MessagingWindow.Check(ChannelKind.Messenger, lastInbound, clock.GetUtcNow());

        failure.ShouldNotBeNull();
        failure.ErrorType.ShouldBe(ErrorType.Permission);
        failure.ErrorMessage.ShouldBe("outside the 24-hour messaging window");
    }

    [Fact]
    public void A_contact_who_never_wrote_is_outside_the_window()
    {
        MessagingWindow.Check(ChannelKind.Messenger, null, clock.GetUtcNow())!.ErrorType.ShouldBe(ErrorType.Permission);
    }

    [Fact]
    public void Email_has_no_window_here()
    {
        MessagingWindow.Check(ChannelKind.Email, null, clock.GetUtcNow()).ShouldBeNull();
    }

    [Fact]
    public void WhatsApp_free_text_outside_the_customer_service_window_is_refused_as_permission_but_a_template_is_not()
    {
        var lastInbound = clock.GetUtcNow().UtcDateTime.AddHours(-25);

        var refused = MessagingWindow.Check(ChannelKind.WhatsApp, lastInbound, clock.GetUtcNow())!;
        (refused.ErrorType, refused.ErrorCode, refused.ErrorMessage).ShouldBe(
            (ErrorType.Permission, MessagingWindow.ErrorCode, MessagingWindow.WhatsAppOutsideWindowReason));
        MessagingWindow.Check(ChannelKind.WhatsApp, null, clock.GetUtcNow()).ShouldNotBeNull();
        MessagingWindow.Check(ChannelKind.WhatsApp, lastInbound, clock.GetUtcNow(), template: true).ShouldBeNull();
        MessagingWindow.Check(ChannelKind.WhatsApp, clock.GetUtcNow().UtcDateTime.AddHours(-23), clock.GetUtcNow()).ShouldBeNull();
    }

    [Fact]
    public async Task The_compose_count_and_the_send_agree_at_the_edge_of_the_window()
    {
        await using var database = await TestDatabase.CreateAsync();
        var now = clock.GetUtcNow().UtcDateTime;
        DateTime?[] lastInbound = [now - MessagingWindow.Length, now - MessagingWindow.Length + TimeSpan.FromSeconds(1), null, now.AddHours(-1)];
        await using (var db = database.CreateDbContext())
        {
            db.Contacts.AddRange(lastInbound.Select(at =>
            {
                var contact = ContactBuilder.Contact(ChannelKind.Messenger);
                contact.LastInboundAt = at;
                return contact;
            }));
            await db.SaveChangesAsync();
        }

        await using var read = database.CreateDbContext();
        var counted = await new Recipients(ChannelKind.Messenger, AudienceKind.Channel, null, [])
            .CountOutsideWindowAsync(read, now, CancellationToken.None);

        counted.ShouldBe(2);
        lastInbound.Count(at => MessagingWindow.Check(ChannelKind.Messenger, at, clock.GetUtcNow()) is not null).ShouldBe(counted);
    }
}
