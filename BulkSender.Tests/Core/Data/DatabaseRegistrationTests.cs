using BulkSender.Core.Data;
using Microsoft.Extensions.Configuration;

namespace BulkSender.Tests.Core.Data;

public sealed class DatabaseRegistrationTests
{
    private static IConfiguration Configuration(string key, string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

    [Theory]
    [InlineData(DatabaseProvider.PostgreSql)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void A_server_database_without_its_connection_string_is_refused_naming_the_key_to_set(DatabaseProvider provider)
    {
        var refused = Should.Throw<InvalidOperationException>(() =>
            DatabaseRegistration.RequiredConnectionString(Configuration($"ConnectionStrings:{provider}", " "), provider));

        refused.Message.ShouldContain($"Database:Provider is {provider} but ConnectionStrings:{provider} is empty");
        refused.Message.ShouldContain($"ConnectionStrings__{provider}");
    }

    [Fact]
    public void The_PostgreSql_connection_string_is_taken_from_its_own_key()
    {
        const string connectionString = "Host=db;Database=bulksender;Username=app";

        DatabaseRegistration.RequiredConnectionString(Configuration("ConnectionStrings:PostgreSql", connectionString), DatabaseProvider.PostgreSql)
            .ShouldBe(connectionString);
    }
}
