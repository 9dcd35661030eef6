using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;

namespace BulkSender.Tests.Core.Compliance;

public sealed class AddressMaskTests
{
    [Theory]
    [InlineData(ChannelKind.Email, "anna@example.com", "an•••@example.com")]
    [InlineData(ChannelKind.Email, "anastasia.papadopoulou@example.com", "an•••@example.com")]
    [InlineData(ChannelKind.Email, "bob@example.com", "b•••@example.com")]
    [InlineData(ChannelKind.Email, "jo@example.com", "j•••@example.com")]
    [InlineData(ChannelKind.Email, "x@example.com", "•••@example.com")]
    [InlineData(ChannelKind.WhatsApp, "+14155550123", "+•••123")]
    [InlineData(ChannelKind.Messenger, "7000000000012345", "•••345")]
    [InlineData(ChannelKind.Messenger, "12345", "•••")]
    public void An_address_keeps_only_what_its_owner_needs_to_recognize_it(ChannelKind channel, string address, string masked)
    {
        AddressMask.Mask(channel, address).ShouldBe(masked);
    }
}
