using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BulkSender.Core.Data.Migrations.SqlServer
{
    /// <inheritdoc />
    public partial class SendPipeline : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Status_SentAt",
                table: "Deliveries");

            migrationBuilder.AddColumn<int>(
                name: "SkippedCount",
                table: "Messages",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "JobId",
                table: "Batches",
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "SkippedCount",
                table: "Batches",
                type: "int",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "DraftRecipients",
                columns: table => new
                {
                    MessageId = table.Column<int>(type: "int", nullable: false),
                    ContactId = table.Column<int>(type: "int", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DraftRecipients", x => new { x.MessageId, x.ContactId });
                    table.ForeignKey(
                        name: "FK_DraftRecipients_Contacts_ContactId",
                        column: x => x.ContactId,
                        principalTable: "Contacts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_DraftRecipients_Messages_MessageId",
                        column: x => x.MessageId,
                        principalTable: "Messages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_SentAt",
                table: "Deliveries",
                column: "SentAt");

            migrationBuilder.CreateIndex(
                name: "IX_DraftRecipients_ContactId",
                table: "DraftRecipients",
                column: "ContactId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DraftRecipients");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_SentAt",
                table: "Deliveries");

            migrationBuilder.DropColumn(
                name: "SkippedCount",
                table: "Messages");

            migrationBuilder.DropColumn(
                name: "JobId",
                table: "Batches");

            migrationBuilder.DropColumn(
                name: "SkippedCount",
                table: "Batches");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Status_SentAt",
                table: "Deliveries",
                columns: new[] { "Status", "SentAt" });
        }
    }
}
