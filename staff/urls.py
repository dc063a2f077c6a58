from django.contrib.auth import views as auth_views
from django.urls import path

from staff import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("language/", views.language_set_view, name="language_set"),
    path("settings/staff/", views.staff_list_view, name="staff_list"),
    path("settings/staff/new/", views.staff_create_view, name="staff_create"),
    path("settings/staff/<int:user_id>/", views.staff_edit_view, name="staff_edit"),
    path("settings/staff/<int:user_id>/deactivate/", views.staff_deactivate_view, name="staff_deactivate"),
    path("settings/staff/<int:user_id>/reactivate/", views.staff_reactivate_view, name="staff_reactivate"),
    path("settings/staff/<int:user_id>/unlock/", views.staff_unlock_view, name="staff_unlock"),
]
