using FluentValidation;

namespace BulkSender.Web.Features.Shared;

public static class FluentValidationAdapter
{
    /// <summary>
    /// For MudForm's <c>Validation</c>: validates the one property MudForm asks about with the same FluentValidation
    /// validator the API uses (the pattern MudBlazor's documentation shows).
    /// </summary>
    public static Func<object, string, Task<IEnumerable<string>>> ValidateValue<T>(this IValidator<T> validator) =>
        async (model, propertyName) =>
        {
            var result = await validator.ValidateAsync(ValidationContext<T>.CreateWithOptions((T)model, o => o.IncludeProperties(propertyName)));
            return result.IsValid ? [] : result.Errors.Select(e => e.ErrorMessage);
        };
}
