namespace BulkSender.Core.Identity;

public static class Roles
{
    public const string Admin = "Admin";
    public const string Operator = "Operator";
    public static readonly string[] All = [Admin, Operator];
}
