using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

#pragma warning disable CA1814 // Prefer jagged arrays over multidimensional

namespace BulkSender.Core.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class ClusterRateLimit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "RateLimitAccounts",
                columns: table => new
                {
                    Channel = table.Column<string>(type: "nvarchar(32)", maxLength: 32, nullable: false),
                    NextSlotAt = table.Column<long>(type: "bigint", nullable: false),
                    PausedUntil = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RateLimitAccounts", x => x.Channel);
                });

            migrationBuilder.InsertData(
                table: "RateLimitAccounts",
                columns: new[] { "Channel", "NextSlotAt", "PausedUntil" },
                values: new object[,]
                {
                    { "Email", 0L, 0L },
                    { "Messenger", 0L, 0L },
                    { "WhatsApp", 0L, 0L }
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RateLimitAccounts");
        }
    }
}
