using System.Linq.Expressions;
using BulkSender.Core.Contacts;
using BulkSender.Core.Messages;
using BulkSender.Core.Templates;
using FluentValidation;

namespace BulkSender.Core.Personalization;

/// <summary>
/// The personalization part of <see cref="ComposeValidator"/> (form and API alike): the title, the content and a
/// WhatsApp template's fixed texts must parse as Liquid and read only fields that exist (standard or the admin's);
/// each problem says where (line and column). A draft may hold unfinished text. Without the admin's fields (a
/// validator built without the database) the rules run synchronously against the standard fields.
/// </summary>
public sealed class PersonalizationRules : AbstractValidator<ComposeModel>
{
    /// <param name="fields">The admin's custom fields; null: only the standard fields exist.</param>
    public PersonalizationRules(ContactFieldDefinitions? fields)
    {
        When(m => m.When != SendTiming.Draft, () =>
        {
            Check(m => m.Title, nameof(ComposeModel.Title), m => [("Title", m.Title)], fields);
            Check(m => m.Content, nameof(ComposeModel.Content), m => [("Content", m.Content)], fields);
            Check(m => m.WhatsAppTemplate, WhatsAppTemplateRules.PropertyName,
                m => (m.WhatsAppTemplate?.Parameters ?? [])
                    .Select((p, i) => ($"Parameter {i + 1}", string.IsNullOrWhiteSpace(p?.Field) ? p?.Text : null)),
                fields);
        });
    }

    /// <summary>One rule: the named texts of the model that hold Liquid, checked against the fields.</summary>
    private void Check<T>(Expression<Func<ComposeModel, T>> property, string name,
        Func<ComposeModel, IEnumerable<(string What, string? Text)>> texts, ContactFieldDefinitions? fields)
    {
        static List<(string What, string Text)> Liquid(IEnumerable<(string What, string? Text)> texts) =>
            texts.Where(t => t.Text is not null && !LiquidText.LooksPlain(t.Text)).Select(t => (t.What, t.Text!)).ToList();

        static IEnumerable<string> Problems(List<(string What, string Text)> liquid, ContactFieldSet set) =>
            liquid.SelectMany(t => LiquidText.Parse(t.Text).Problems(t.What, set));

        if (fields is null)
        {
            RuleFor(property).Custom((_, context) =>
            {
                foreach (var problem in Problems(Liquid(texts(context.InstanceToValidate)), ContactFields.StandardSet))
                    context.AddFailure(name, problem);
            });
            return;
        }
        RuleFor(property).CustomAsync(async (_, context, ct) =>
        {
            var liquid = Liquid(texts(context.InstanceToValidate));
            if (liquid.Count == 0)
                return;
            foreach (var problem in Problems(liquid, await fields.FieldSetAsync(ct)))
                context.AddFailure(name, problem);
        });
    }
}
