using BulkSender.Core.Activity;
using BulkSender.Core.Attachments;
using BulkSender.Core.Campaigns;
using BulkSender.Core.Channels;
using BulkSender.Core.Compliance;
using BulkSender.Core.Contacts;
using BulkSender.Core.Dashboard;
using BulkSender.Core.Data;
using BulkSender.Core.Dispatch;
using BulkSender.Core.Funnel;
using BulkSender.Core.Identity;
using BulkSender.Core.Jobs;
using BulkSender.Core.Personalization;
using BulkSender.Core.Retries;
using BulkSender.Core.Templates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace BulkSender.Core;

public static class CoreRegistration
{
    /// <summary>The domain: database, jobs and the services that do the work.</summary>
    public static IHostApplicationBuilder AddBulkSenderCore(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // TryAdd: a host or test that brought its own clock keeps it.
        services.TryAddSingleton(TimeProvider.System);
        services.AddDataProtection();

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DispatchOptions>().BindConfiguration(DispatchOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddAppDatabase(configuration, database.Provider, builder.Environment.ContentRootPath);
        services.AddJobs(configuration, database.Provider);
        services.AddDispatch();
        services.AddRetries();
        services.AddCampaigns();
        services.AddTransient<DatabaseInitializer>();

        services.AddOptions<ContactsOptions>().BindConfiguration(ContactsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ContactImporter>();
        services.AddSingleton<ContactQueries>();
        services.AddSingleton<Messages.MessageListQuery>();
        services.AddSingleton<ContactEditor>();
        services.AddSingleton<ContactFieldDefinitions>();
        services.AddSingleton<PersonalCopies>();
        services.AddSingleton<ActivityQueries>();
        services.AddSingleton<DashboardQueries>();
        services.AddScoped<UserAdministration>();
        services.TryAddSingleton<AccountChanges>();
        services.AddRealChannels();
        services.AddCompliance();
        services.AddFunnel();
        services.AddTemplates();
        services.AddAttachments(builder.Environment.ContentRootPath);
        return builder;
    }
}
