using BulkSender.Core.Dispatch;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.Contacts;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace BulkSender.Tests.Web.Contacts;

public sealed class ContactSelectionTests
{
    private static ContactSelection NewSelection(int batchSize = 100) => new(Options.Create(new DispatchOptions { BatchSize = batchSize }));

    [Theory]
    [InlineData(0, "0 selected • 0 batches • Max 2000")]
    [InlineData(1, "1 selected • 1 batch • Max 2000")]
    [InlineData(100, "100 selected • 1 batch • Max 2000")]
    [InlineData(101, "101 selected • 2 batches • Max 2000")]
    [InlineData(250, "250 selected • 3 batches • Max 2000")]
    [InlineData(2000, "2000 selected • 20 batches • Max 2000")]
    public void Summary_counts_batches_of_the_configured_size(int count, string summary)
    {
        var selection = NewSelection();
        selection.AddRange(Enumerable.Range(1, count));
        selection.Summary.ShouldBe(summary);
    }

    [Fact]
    public void Batch_size_comes_from_configuration()
    {
        var selection = NewSelection(batchSize: 50);
        selection.AddRange(Enumerable.Range(1, 101));
        selection.Summary.ShouldBe("101 selected • 3 batches • Max 2000");
    }

    [Fact]
    public void The_2001st_pick_is_refused_and_the_selection_stays_at_2000()
    {
        var selection = NewSelection();
        selection.AddRange(Enumerable.Range(1, 2000)).ShouldBe((2000, false));

        selection.Add(5000).ShouldBe(SelectResult.LimitReached);
        selection.Add(17).ShouldBe(SelectResult.AlreadySelected);

        selection.Count.ShouldBe(2000);
        selection.Contains(5000).ShouldBeFalse();
    }

    [Fact]
    public void Filling_stops_at_the_cap_and_says_so()
    {
        var selection = NewSelection();
        selection.AddRange(Enumerable.Range(1, 1990));

        selection.AddRange(Enumerable.Range(1980, 100)).ShouldBe((10, true));
        selection.Count.ShouldBe(2000);
    }

    [Fact]
    public void Removing_and_clearing_raise_changed()
    {
        var selection = NewSelection();
        var changes = 0;
        selection.Changed += () => changes++;

        selection.Add(1);
        selection.Remove(1);
        selection.Remove(1);
        selection.AddRange([2, 3]);
        selection.Clear();

        changes.ShouldBe(4);
        selection.Count.ShouldBe(0);
    }
}

public sealed class ContactPickBoxTests : MudTestContext
{
    private readonly ContactSelection selection = new(Options.Create(new DispatchOptions()));

    public ContactPickBoxTests() => Services.AddSingleton(selection);

    [Fact]
    public void Ticking_the_box_selects_the_contact_and_the_card_shows_the_count_and_batches()
    {
        var box = Render<ContactPickBox>(p => p.Add(b => b.ContactId, 42));
        var card = Render<SelectionCard>();

        box.Find("input").Change(true);

        selection.Contains(42).ShouldBeTrue();
        card.WaitForAssertion(() => card.Find("[data-testid=selection-summary]").TextContent.ShouldBe("1 selected • 1 batch • Max 2000"));
        card.Find("[data-testid=send-selected]").TextContent.ShouldContain("Send to 1 selected");
    }

    [Fact]
    public void A_pick_beyond_the_cap_is_refused_with_the_limit_message()
    {
        selection.AddRange(Enumerable.Range(1, 2000));
        var snackbar = Services.GetRequiredService<ISnackbar>();
        var box = Render<ContactPickBox>(p => p.Add(b => b.ContactId, 9999));

        box.Find("input").Change(true);

        selection.Count.ShouldBe(2000);
        selection.Contains(9999).ShouldBeFalse();
        snackbar.ShownSnackbars.Select(s => s.Message).ShouldContain("Selection limit reached — you can select up to 2,000 contacts at once");
        box.Find("input").HasAttribute("checked").ShouldBeFalse();
    }

    [Fact]
    public void Opted_out_contacts_cannot_be_picked()
    {
        var box = Render<ContactPickBox>(p => p.Add(b => b.ContactId, 7).Add(b => b.OptedOut, true));

        box.Find("input").HasAttribute("disabled").ShouldBeTrue();
    }

    [Fact]
    public void Clear_empties_the_selection_and_disables_send()
    {
        selection.AddRange([1, 2, 3]);
        var card = Render<SelectionCard>();

        card.Find("[data-testid=clear-selection]").Click();

        selection.Count.ShouldBe(0);
        card.WaitForAssertion(() => card.Find("[data-testid=send-selected]").HasAttribute("disabled").ShouldBeTrue());
    }
}
