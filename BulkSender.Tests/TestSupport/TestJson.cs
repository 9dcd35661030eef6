using System.Text.Json;
using System.Text.Json.Serialization;

namespace BulkSender.Tests.TestSupport;

/// <summary>The API's JSON: web defaults with snake_case property names and enums as strings.</summary>
public static class TestJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };
}
