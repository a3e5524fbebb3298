"""Importers for a region's own data: districts, facilities, population cells and whole regions.

Every importer works in two passes. The first reads and validates the whole file and collects
every problem with its place (file, row or feature, field); if there is any, nothing is written
and :class:`DataImportError` lists them. The second writes everything in one transaction. So a
file is either imported completely or not at all, and the database never holds half a register.

Records have a stable id (``id`` column, or a key derived from the source): re-importing a
corrected file updates those records instead of adding duplicates. Municipality and district are
derived by point-in-polygon (shapely STRtree) unless the file names them.

The bundled demo region is loaded by :func:`import_region` through these same functions.
"""
