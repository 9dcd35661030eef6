using MudBlazor;

namespace BulkSender.Web.Components.Layout;

public static class AppTheme
{
    public static readonly MudTheme Value = new()
    {
        PaletteLight = new PaletteLight { Primary = "#3f51b5", Secondary = "#00897b", AppbarBackground = "#3f51b5" },
        PaletteDark = new PaletteDark { Primary = "#7986cb", Secondary = "#4db6ac" },
        LayoutProperties = new LayoutProperties { DrawerWidthLeft = "230px" },
    };
}
