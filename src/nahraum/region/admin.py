from django.contrib import admin

from . import models


@admin.register(models.DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "publisher", "licence", "date", "is_illustrative")
    list_filter = ("is_illustrative",)
    search_fields = ("name", "publisher")


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "ags", "population", "area_km2", "trend")


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "kind", "population", "is_estimate")
    list_filter = ("municipality", "kind", "is_estimate")
    search_fields = ("name", "key")


@admin.register(models.PopulationCell)
class PopulationCellAdmin(admin.ModelAdmin):
    list_display = ("key", "municipality", "district", "population", "is_estimate")
    list_filter = ("municipality",)
    search_fields = ("key",)


@admin.register(models.InnovationField)
class InnovationFieldAdmin(admin.ModelAdmin):
    list_display = ("name_de", "name_en", "key", "order")


class NormInline(admin.TabularInline):
    model = models.Norm
    extra = 0


@admin.register(models.FacilityType)
class FacilityTypeAdmin(admin.ModelAdmin):
    list_display = ("name_de", "key", "field", "capacity_unit")
    list_filter = ("field",)
    inlines = [NormInline]


@admin.register(models.Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("name", "type", "municipality", "district", "is_estimate")
    list_filter = ("type", "municipality", "is_estimate")
    search_fields = ("name", "key")
