from django.urls import include, path

urlpatterns = [
    path("import/", include("customers.urls_import")),
    path("duplicates/", include("customers.urls_duplicates")),
]
