using FluentValidation;

namespace BulkSender.Web.Features.Shared;

public static class FluentValidationExtensions
{
    /// <summary>
    /// Lets a MudForm validate each field with the same FluentValidation validator the server uses
    /// (MudForm's Validation parameter calls this with the model and the property name).
    /// </summary>
    public static Func<object, string, Task<IEnumerable<string>>> ValidateValue<T>(this IValidator<T> validator) =>
        async (model, propertyName) =>
        {
            var result = await validator.ValidateAsync(ValidationContext<T>.CreateWithOptions((T)model, o => o.IncludeProperties(propertyName)));
            return result.IsValid ? [] : result.Errors.Select(e => e.ErrorMessage);
        };
}
