using BulkSender.Core;
using BulkSender.Web;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.Contacts;
using BulkSender.Web.Features.Health;
using BulkSender.Web.Features.Jobs;

var builder = WebApplication.CreateBuilder(args);
builder.AddRepositoryConfiguration();
builder.AddBulkSenderCore();
builder.AddBulkSenderWeb();

var app = builder.Build();
await app.InitializeDatabaseAsync();
app.UseBulkSenderWeb();
app.MapAccountEndpoints();
app.MapApiEndpoints();
app.MapContactEndpoints();
app.MapJobsDashboard();
app.MapHealthEndpoint();

await app.RunAsync();
