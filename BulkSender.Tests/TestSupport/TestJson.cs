using System.Text.Json;
using System.Text.Json.Serialization;

namespace BulkSender.Tests.TestSupport;

/// <summary>The API's JSON: web defaults with enums as strings.</summary>
public static class TestJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}
