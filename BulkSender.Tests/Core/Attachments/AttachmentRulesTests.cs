using BulkSender.Core.Attachments;

namespace BulkSender.Tests.Core.Attachments;

public sealed class AttachmentRulesTests
{
    public static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
    public static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0];
    public static readonly byte[] Pdf = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"u8.ToArray();

    [Fact]
    public void The_type_comes_from_the_content_not_the_name()
    {
        AttachmentRules.Check(Png, "photo.png").Type.ShouldBe(AttachmentRules.Png);
        AttachmentRules.Check(Jpeg, "photo").Type.ShouldBe(AttachmentRules.Jpeg);
        AttachmentRules.Check(Pdf, "offer.pdf").Type.ShouldBe(AttachmentRules.Pdf);
        AttachmentRules.Check("<script>alert(1)</script>"u8, "offer.pdf").Error!.ShouldContain("not a JPEG, PNG or PDF");
    }

    [Fact]
    public void A_png_renamed_pdf_is_refused()
    {
        var (type, error) = AttachmentRules.Check(Png, "invoice.pdf");

        type.ShouldBeNull();
        error.ShouldBe("\"invoice.pdf\" is named as a PDF, but its content is a PNG image: attach the file it names, "
            + "or give it the right extension.");
    }

    [Fact]
    public void Oversize_files_are_refused_with_the_limit()
    {
        var image = new byte[AttachmentRules.MaxImageBytes + 1];
        Png.CopyTo(image, 0);
        var document = new byte[AttachmentRules.MaxDocumentBytes + 1];
        Pdf.CopyTo(document, 0);

        AttachmentRules.Check(image, "big.png").Error.ShouldBe("\"big.png\" is 8 MB: an image may be at most 8 MB.");
        AttachmentRules.Check(document, "big.pdf").Error.ShouldBe("\"big.pdf\" is 25 MB: a PDF may be at most 25 MB.");
        AttachmentRules.Check(image.AsSpan(0, (int)AttachmentRules.MaxImageBytes), "ok.png").Error.ShouldBeNull();
    }

    [Theory]
    [InlineData("../../etc/Spring sale!.png", "Spring-sale.png")]
    [InlineData("C:\\Users\\ana\\offer.PNG", "offer.png")]
    [InlineData("<>.png", "image.png")]
    public void File_names_are_made_safe(string uploaded, string expected) =>
        AttachmentRules.SafeFileName(uploaded, AttachmentRules.Png).ShouldBe(expected);
}
