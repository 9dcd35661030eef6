using BulkSender.Core.Dispatch;
using Microsoft.Extensions.Options;

namespace BulkSender.Web.Features.Contacts;

public enum SelectResult
{
    Added,
    AlreadySelected,
    LimitReached,
}

/// <summary>
/// The operator's hand-picked contacts for the next send, kept for the circuit (so it survives paging,
/// sorting, searching and the trip to Compose). Capped at <see cref="DispatchOptions.MaxSelection"/>;
/// the server checks the same cap when a send is created.
/// </summary>
public sealed class ContactSelection(IOptions<DispatchOptions> dispatch)
{
    public const string LimitMessage = "Selection limit reached — you can select up to 2,000 contacts at once";

    private readonly HashSet<int> ids = [];

    public event Action? Changed;

    public IReadOnlyCollection<int> Ids => ids;

    public int Count => ids.Count;

    public int Max => DispatchOptions.MaxSelection;

    public bool IsFull => ids.Count >= Max;

    public int BatchCount => dispatch.Value.BatchesFor(ids.Count);

    /// <summary>The stats card line: "250 selected • 3 batches • Max 2000".</summary>
    public string Summary => $"{Count} selected • {BatchCount} {(BatchCount == 1 ? "batch" : "batches")} • Max {Max}";

    public bool Contains(int id) => ids.Contains(id);

    public SelectResult Add(int id)
    {
        if (ids.Contains(id))
            return SelectResult.AlreadySelected;
        if (IsFull)
            return SelectResult.LimitReached;
        ids.Add(id);
        Changed?.Invoke();
        return SelectResult.Added;
    }

    /// <summary>Adds in order until the cap; returns how many were added and whether the cap stopped it.</summary>
    public (int Added, bool LimitReached) AddRange(IEnumerable<int> candidates)
    {
        var added = 0;
        var limited = false;
        foreach (var id in candidates)
        {
            if (ids.Contains(id))
                continue;
            if (IsFull)
            {
                limited = true;
                break;
            }
            ids.Add(id);
            added++;
        }
        if (added > 0)
            Changed?.Invoke();
        return (added, limited);
    }

    public bool Remove(int id)
    {
        if (!ids.Remove(id))
            return false;
        Changed?.Invoke();
        return true;
    }

    public int RemoveRange(IEnumerable<int> candidates)
    {
        var removed = candidates.Count(ids.Remove);
        if (removed > 0)
            Changed?.Invoke();
        return removed;
    }

    public void Clear()
    {
        if (ids.Count == 0)
            return;
        ids.Clear();
        Changed?.Invoke();
    }
}
