using BulkSender.Core;
using BulkSender.Web;
using BulkSender.Web.Features.Account;
using BulkSender.Web.Features.ApiReference;
using BulkSender.Web.Features.Channels;
using BulkSender.Web.Features.Contacts;
using BulkSender.Web.Features.Health;
using BulkSender.Web.Features.Jobs;
using BulkSender.Web.Features.Messages;
using BulkSender.Web.Features.Settings;
using BulkSender.Web.Features.Templates;
using BulkSender.Web.Features.Unsubscribe;
using BulkSender.Web.Features.Webhooks;

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
app.MapMessageEndpoints();
app.MapRetryEndpoints();
app.MapReplyEndpoints();
app.MapProgressHub();
app.MapJobsDashboard();
app.MapHealthEndpoint();
app.MapWebhookEndpoints();
app.MapUnsubscribeEndpoints();
app.MapSettingsEndpoints();
app.MapChannelPauseEndpoints();
app.MapTemplateEndpoints();
app.MapApiReferenceEndpoints();

await app.RunAsync();
