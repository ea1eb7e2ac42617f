"""URL routes of the emulated Ascend API, under /sandbox/ascend/ (a trailing slash is tolerated).
Any other path is a JSON 404 in Ascend's error envelope."""

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^v1/account/?$", views.account_view, name="ascend-account"),
    re_path(r"^v1/flows/?$", views.flows, name="ascend-flows"),
    re_path(r"^v1/flows/(?P<flow_id>[0-9]+)/starts/?$", views.flow_starts, name="ascend-flow-starts"),
    re_path(r"^v1/groups/?$", views.group_list, name="ascend-groups"),
    re_path(r"^v1/groups/(?P<group_id>[0-9]+)/members/?$", views.group_members, name="ascend-group-members"),
    re_path(r"^v1/members/(?P<phone>[^/]+)/?$", views.member, name="ascend-member"),
    re_path(r"^v1/messages/?$", views.messages, name="ascend-messages"),
    re_path(r"^.*$", views.unknown_path, name="ascend-unknown-path"),
]
