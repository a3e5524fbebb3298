"""nahraum's engine in a notebook: the bundled Lemgo–Kalletal data, no Django, no database.

Run it as a script (``python examples/notebook_walkthrough.py``) or open it in Jupyter /
VS Code, where every ``# %%`` starts a cell. It needs geopandas besides nahraum itself.
"""

# %% The bundled region's files: districts (GeoJSON), facilities (CSV, lon/lat), streets (OSM)
from importlib.resources import files

import geopandas as gpd
import pandas as pd

from nahraum.access import counts_within, frames, isochrones, region_crs, travel_times
from nahraum.access.network import build_networks

DATA = files("nahraum.data") / "bundled" / "lemgo-kalletal"
districts = gpd.read_file(DATA / "districts.geojson").set_index("id")
facilities = pd.read_csv(DATA / "facilities.csv").set_index("id")

# %% The region's planar CRS, chosen from where it lies (Lemgo: ETRS89 / UTM 32N, EPSG:25832)
crs = region_crs(districts)
print("CRS:", crs)

# %% The walking network from the OpenStreetMap extract, in that CRS
walk = build_networks(str(DATA / "streets.osm.gz"), ["walk"], crs=crs)["walk"]
print(walk)

# %% Origins: each district's centre; destinations: the GP practices — both GeoDataFrames
centres = gpd.GeoDataFrame(
    districts[["name"]],
    geometry=gpd.points_from_xy(districts["centre_lon"], districts["centre_lat"]),
    crs="EPSG:4326",
)


def of_type(kind: str) -> gpd.GeoDataFrame:
    rows = facilities[facilities["type"] == kind]
    return gpd.GeoDataFrame(
        rows[["name"]], crs="EPSG:4326", geometry=gpd.points_from_xy(rows["lon"], rows["lat"])
    )


gps = of_type("gp")

# %% Travel times on foot, in minutes: one row per district, one column per practice (by id);
# NaN where a practice is more than an hour's walk away
minutes = travel_times(walk, centres, gps, max_time_s=3600) / 60
print(minutes.round(1).iloc[:5, :4])

# %% The nearest practice of every district, with its name
nearest = frames.nearest(walk, centres, gps, max_time_s=3600)
nearest["practice"] = gps["name"].reindex(nearest["destination"]).to_numpy()
print(nearest.assign(minutes=(nearest["time_s"] / 60).round(1))[["practice", "minutes"]])

# %% Supermarkets within 15 minutes' walk of each district centre
supermarkets = counts_within(walk, centres, of_type("supermarket"), max_time_s=15 * 60)
print(supermarkets.sort_values(ascending=False).head())

# %% 10- and 20-minute walking isochrones around the centre of Lemgo (a GeoDataFrame)
areas = isochrones(walk, centres.loc[["ot:05766044:kernstadt-lemgo"]], [600, 1200])
print((areas.area / 1e6).round(2).rename("km²"))
