using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BulkSender.Core.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class WhatsAppMessagingLimit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "BusinessInitiated",
                table: "Deliveries",
                type: "bit",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "BusinessInitiated",
                table: "Deliveries");
        }
    }
}
