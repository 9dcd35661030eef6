using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using BulkSender.Core.Templates;
using Fluid;
using Fluid.Ast;

namespace BulkSender.Core.Personalization;

/// <summary>A contact field a text reads, and whether a <c>default</c> filter covers it where it is read.</summary>
public sealed record FieldUse(string Key, bool HasDefault);

/// <summary>
/// A title, content or template parameter as Liquid (Fluid): parsed once, rendered per recipient with the contact's
/// fields as variables (<c>Hi {{ first_name | default: "there" }}</c>). A text without <c>{{</c> or <c>{%</c> is plain
/// and rendered as it is, at no cost.
/// </summary>
public sealed partial class LiquidText
{
    private static readonly FluidParser Parser = new();

    /// <summary>Loops and recursion are bounded: a template is an operator's text, run for every recipient.</summary>
    private static readonly TemplateOptions Options =
        new TemplateOptionsBuilder().WithMaxSteps(100_000).WithMaxRecursion(20).WithMaxOutputSize(100_000).Build();

    private LiquidText(string source, IFluidTemplate? template, string? syntaxError, IReadOnlyList<FieldUse> uses)
    {
        Source = source;
        Template = template;
        SyntaxError = syntaxError;
        Uses = uses;
    }

    public string Source { get; }

    /// <summary>Null for a plain text or a syntax error.</summary>
    public IFluidTemplate? Template { get; }

    /// <summary>What is wrong and where ("line 1, column 12: …"); null when it parsed.</summary>
    public string? SyntaxError { get; }

    /// <summary>The variables the text reads (loop and assigned variables left out), each once, in order of first use.</summary>
    public IReadOnlyList<FieldUse> Uses { get; }

    public bool IsPlain => Template is null && SyntaxError is null;

    public static bool LooksPlain(string text) =>
        !text.Contains("{{", StringComparison.Ordinal) && !text.Contains("{%", StringComparison.Ordinal);

    public static LiquidText Parse(string? text)
    {
        text ??= "";
        if (LooksPlain(text))
            return new LiquidText(text, null, null, []);
        if (!Parser.TryParse(text, out var template, out var error) || template is null)
            return new LiquidText(text, null, Positioned(error), []);
        var finder = new UseFinder();
        finder.VisitTemplate(template);
        var uses = finder.Uses.Where(u => !finder.Declared.Contains(u.Key))
            .GroupBy(u => u.Key).Select(g => new FieldUse(g.Key, g.All(u => u.HasDefault))).ToList();
        return new LiquidText(text, template, null, uses);
    }

    /// <summary>
    /// The problems of this text against the fields that exist: its syntax error, or each unknown variable with its
    /// position. <paramref name="what"/> names the text ("Content").
    /// </summary>
    public IEnumerable<string> Problems(string what, ContactFieldSet fields)
    {
        if (SyntaxError is not null)
        {
            yield return $"{what}: {SyntaxError}";
            yield break;
        }
        foreach (var use in Uses.Where(u => fields.Find(u.Key) is null))
            yield return $"{what}, {Where(use.Key)}: unknown field \"{use.Key}\" (use {fields.KeyList}).";
    }

    /// <summary>The fields this text reads whose value may be empty with nothing to stand in: no default filter, no admin default.</summary>
    public IEnumerable<ContactField> MayBeEmpty(ContactFieldSet fields) =>
        Uses.Where(u => !u.HasDefault).Select(u => fields.Find(u.Key)).OfType<ContactField>()
            .Where(f => f.IsCustom && string.IsNullOrEmpty(f.Default));

    /// <summary>
    /// The text for one recipient. <paramref name="encoder"/>: how values are written (HtmlEncoder for an HTML part;
    /// none: as they are). The text around them is the operator's and stays as written.
    /// </summary>
    public string Render(RecipientValues recipient, ContactFieldSet fields, TextEncoder? encoder = null)
    {
        if (Template is null)
            return Source;
        var context = Context([this], recipient, fields);
        return encoder is null ? Template.Render(context) : Template.Render(context, encoder);
    }

    /// <summary>This text for the recipient whose values <paramref name="context"/> holds (<see cref="Context"/>).</summary>
    public string Render(TemplateContext? context) => Template is null || context is null ? Source : Template.Render(context);

    /// <summary>One recipient's values of the fields <paramref name="texts"/> read, for rendering them one after the other.</summary>
    public static TemplateContext Context(IEnumerable<LiquidText> texts, RecipientValues recipient, ContactFieldSet fields)
    {
        var context = new TemplateContext(Options);
        foreach (var key in texts.SelectMany(t => t.Uses).Select(u => u.Key).Distinct())
            context.SetValue(key, fields.Find(key)?.Value(recipient) ?? "");
        return context;
    }

    /// <summary>Fluid says "… at (3:14)"; people read "line 3, column 14: …".</summary>
    private static string Positioned(string? error)
    {
        var message = (error ?? "The text cannot be read as a template.").Split("\nSource:", 2)[0].Trim();
        var match = FluidPosition().Match(message);
        if (!match.Success)
            return $"syntax error: {message}";
        var what = message[..match.Index].Trim().TrimEnd('.');
        return $"line {match.Groups[1].Value}, column {match.Groups[2].Value}: syntax error: {what} " +
            "(write a field as {{ first_name }}, a default as {{ city | default: \"there\" }}).";
    }

    /// <summary>Where a variable is first read: the line and column of its name inside a {{ }} or {% %}.</summary>
    private string Where(string key)
    {
        foreach (Match block in LiquidBlock().Matches(Source))
        {
            var name = Regex.Match(block.Value, $@"(?<![\w.""'-]){Regex.Escape(key)}(?![\w])");
            if (!name.Success)
                continue;
            var at = block.Index + name.Index;
            var line = 1 + Source.AsSpan(0, at).Count('\n');
            var column = at - (Source.LastIndexOf('\n', Math.Max(at - 1, 0)) is var nl && nl >= 0 && nl < at ? nl + 1 : 0) + 1;
            return $"line {line}, column {column}";
        }
        return "line 1, column 1";
    }

    [GeneratedRegex(@" at \((\d+):(\d+)\)")]
    private static partial Regex FluidPosition();

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}", RegexOptions.Singleline)]
    private static partial Regex LiquidBlock();

    /// <summary>Collects the variables read (the first segment of each member expression) and the names a template declares.</summary>
    private sealed class UseFinder : AstVisitor
    {
        public List<FieldUse> Uses { get; } = [];
        public HashSet<string> Declared { get; } = ["forloop", "empty", "blank", "nil", "null", "true", "false"];

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments.Count > 0 && memberExpression.Segments[0] is IdentifierSegment identifier)
                Uses.Add(new FieldUse(identifier.Identifier, false));
            return base.VisitMemberExpression(memberExpression);
        }

        protected override Expression VisitFilterExpression(FilterExpression filterExpression)
        {
            var covered = filterExpression.Name == "default" ? Root(filterExpression.Input) : null;
            var result = base.VisitFilterExpression(filterExpression);
            if (covered is not null)
            {
                var i = Uses.FindLastIndex(u => u.Key == covered);
                if (i >= 0)
                    Uses[i] = Uses[i] with { HasDefault = true };
            }
            return result;
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Declared.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            Declared.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Declared.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        private static string? Root(Expression expression) => expression switch
        {
            MemberExpression { Segments: [IdentifierSegment first, ..] } => first.Identifier,
            FilterExpression filter => Root(filter.Input),
            _ => null,
        };
    }
}
