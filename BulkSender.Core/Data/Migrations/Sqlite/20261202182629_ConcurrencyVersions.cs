using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace BulkSender.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ConcurrencyVersions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "Contacts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "SettingGroups",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SettingGroups", x => x.Name);
                });

            migrationBuilder.InsertData(
                table: "SettingGroups",
                columns: new[] { "Name", "Version" },
                values: new object[,]
                {
                    { "Channels:Email", 1L },
                    { "Channels:Messenger", 1L },
                    { "Channels:WhatsApp", 1L },
                    { "Retries", 1L }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SettingGroups");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Contacts");
        }
    }
}
