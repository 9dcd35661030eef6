using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using BulkSender.Tests.TestSupport;
using BulkSender.Web.Features.ApiReference;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace BulkSender.Tests.Web.ApiReference;

/// <summary>The OpenAPI document and the reference page: behind the login, and the document describes every /api endpoint.</summary>
[Collection(AppCollection.Name)]
public sealed partial class OpenApiDocumentTests(AppFixture app)
{
    [Fact]
    public async Task Every_api_endpoint_is_in_the_document_with_its_request_and_response_types()
    {
        using var client = await app.NewOperatorClientAsync();
        var response = await client.GetAsync(ApiReferenceEndpoints.DocumentPath);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name.TrimEnd('/'), p => p.Value);

        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api", StringComparison.Ordinal) == true).ToList();

        endpoints.Count.ShouldBeGreaterThan(15);
        foreach (var endpoint in endpoints)
        {
            var path = PathOf(endpoint.RoutePattern);
            paths.ShouldContainKey(path, $"{endpoint.DisplayName} is in the document");
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
            {
                var name = $"{method} {path}";
                paths[path].TryGetProperty(method.ToLowerInvariant(), out var operation).ShouldBeTrue(name);
                if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: not null })
                    WithoutSchema(operation.GetProperty("requestBody")).ShouldBeEmpty($"{name}: the request body has a schema");
                var responses = operation.GetProperty("responses");
                responses.EnumerateObject().ShouldContain(r => r.Name.StartsWith('2'), $"{name}: a success response is declared");
                foreach (var produces in endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>()
                    .Where(p => p.StatusCode is 200 or 201 && p.Type is not null && p.Type != typeof(void)))
                {
                    var body = responses.GetProperty($"{produces.StatusCode}");
                    body.GetProperty("content").EnumerateObject().ShouldNotBeEmpty($"{name}: {produces.StatusCode} has a body");
                    WithoutSchema(body).ShouldBeEmpty($"{name}: the {produces.StatusCode} body has a schema");
                }
            }
        }
    }

    [Fact]
    public async Task The_document_names_properties_in_snake_case()
    {
        using var client = await app.NewOperatorClientAsync();
        var document = JsonDocument.Parse(await client.GetStringAsync(ApiReferenceEndpoints.DocumentPath)).RootElement;
        var schemas = document.GetProperty("components").GetProperty("schemas");

        var names = schemas.EnumerateObject()
            .SelectMany(s => s.Value.TryGetProperty("properties", out var properties)
                ? properties.EnumerateObject().Select(p => $"{s.Name}.{p.Name}")
                : [])
            .ToList();

        names.ShouldNotBeEmpty();
        names.Where(n => !SnakeCase().IsMatch(n.Split('.')[1])).ShouldBeEmpty();
        names.ShouldContain("ComposeModel.contact_ids");
        names.ShouldContain("BatchesSummary.success_rate");
        names.ShouldContain("TestResponse.provider_message_id");
    }

    [Theory]
    [InlineData(ApiReferenceEndpoints.DocumentPath)]
    [InlineData(ApiReferenceEndpoints.ReferencePath + "/")]
    public async Task The_document_and_the_reference_page_need_a_login(string path)
    {
        using var anonymous = app.NewClient();
        using var signedIn = app.NewClient();
        await Login.AsAsync(signedIn, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var refused = await anonymous.GetAsync(path);
        var shown = await signedIn.GetAsync(path);

        refused.StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Redirect);
        if (refused.StatusCode == HttpStatusCode.Redirect)
            refused.Headers.Location!.ToString().ShouldContain("/account/login");
        shown.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_reference_page_script_carries_the_nonce_of_its_content_security_policy()
    {
        using var client = app.NewClient();
        await Login.AsAsync(client, AppFixture.OperatorEmail, AppFixture.OperatorPassword);

        var response = await client.GetAsync(ApiReferenceEndpoints.ReferencePath + "/");

        var policy = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = Regex.Match(policy, "'nonce-([^']+)'").Groups[1].Value;
        nonce.ShouldNotBeEmpty(policy);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Regex.Matches(page, "<script[^>]*>").ShouldAllBe(tag => tag.Value.Contains($"nonce=\"{nonce}\""));
        policy.Split(';').Single(d => d.Trim().StartsWith("script-src", StringComparison.Ordinal)).ShouldNotContain("unsafe");
    }

    /// <summary>The media types of a request or response body that have no schema.</summary>
    private static List<string> WithoutSchema(JsonElement body) =>
        body.GetProperty("content").EnumerateObject().Where(c => !c.Value.TryGetProperty("schema", out _)).Select(c => c.Name).ToList();

    /// <summary>"/api/messages/{id:int}/batches" → "/api/messages/{id}/batches", as OpenAPI writes a path.</summary>
    private static string PathOf(RoutePattern pattern) => "/" + string.Join("/", pattern.PathSegments.Select(segment => string.Concat(
        segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SnakeCase();
}
