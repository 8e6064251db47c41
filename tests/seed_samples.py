"""The seed pages' response samples, copied verbatim: the expected values of golden tests.

Two slips of the seeds are noted where they occur. Shared by the router's golden tests and
the example scenarios' tests, so that there is exactly one copy of each sample.
"""

from __future__ import annotations

from typing import Any

SAMPLE_000: Any = {
    "pagination": {"limit": 3, "offset": 0, "total": 4527},
    "data": {
        "lastSyncTime": "2024-06-24T17:37:00.000IST",
        "targetGroupId": 232,
        "targetGroupName": "Target",
        "periodId": 243,
        "periodRefCode": "target_period",
        "targetRuleId": 366,
        "targetRuleName": "target1",
        "rankings": [
            {
                "rank": 1,
                "userId": 381329844,
                "achievedValue": 21000,
                "lastActivityTime": "2022-11-25T21:44:40.000IST",
                "userEnrichmentDetails": {
                    "birthday": "NOT-CAPTURED",
                    "gender": "Male",
                    "mobile": "918828069049",
                    "last_name": "Emf_lname_918828069049",
                    "first_name": "Emf_fname_918828069049",
                    "anniversary": "NOT-CAPTURED",
                    "email": "[email protected]",
                },
            },
            {
                "rank": 2,
                "userId": 381332324,
                "achievedValue": 21000,
                "lastActivityTime": "2022-11-29T00:14:48.000IST",
                "userEnrichmentDetails": {
                    "birthday": "NOT-CAPTURED",
                    "gender": "Male",
                    "mobile": "918969294257",
                    "last_name": "Emf_lname_918969294257",
                    "first_name": "Emf_fname_918969294257",
                    "anniversary": "NOT-CAPTURED",
                    "email": "[email protected]",
                },
            },
            {
                "rank": 3,
                "userId": 381333386,
                "achievedValue": 21000,
                "lastActivityTime": "2022-11-29T13:48:28.000IST",
                "userEnrichmentDetails": {
                    "birthday": "NOT-CAPTURED",
                    "gender": "Male",
                    "mobile": "918424528743",
                    "last_name": "Emf_lname_918424528743",
                    "first_name": "Emf_fname_918424528743",
                    "anniversary": "NOT-CAPTURED",
                    "email": "[email protected]",
                },
            },
        ],
    },
    "errors": [],
    "warnings": [],
}

SAMPLE_001: Any = {
    "number_of_participants": 5,
    "leaderboard_reward_given": False,
    "page": 1,
    "reward_brackets": [{"position": "1-2", "reward_value": "30"}],
    "past_leaderboard_intervals": [
        {
            "recurrence_type": "daily",
            "recurrence_type_value": 1,
            # The seed's "Complete response" spells this key "activit\ty_id" (a stray tab);
            # its other two samples spell it "activity_id".
            "activity_id": "ldac_Q8zWIV2r7cmZ8akj0Fjd4",
            "start_date_time": "2023-09-18T12:26:13.656765Z",
            "end_date_time": "2023-09-18T18:29:58.999999Z",
            "status": "active",
        }
    ],
    "my_rank": {"source_id": "KMN@123", "rank": 1, "points": 4, "reward": "30"},
    "leaderboard": [
        {"source_id": "KMN@123", "rank": 1, "points": 4, "reward": "30"},
        {"source_id": "New_customer2", "rank": 2, "points": 3, "reward": "30"},
        {"source_id": "krishna123", "rank": 3, "points": 1, "reward": "0"},
        {"source_id": "New_customer3", "rank": 3, "points": 1, "reward": "0"},
        {"source_id": "New_customer4", "rank": 3, "points": 1, "reward": "0"},
    ],
}

SAMPLE_001_UNKNOWN_CAMPAIGN: Any = {
    "number_of_participants": 0,
    "leaderboard_reward_given": False,
    "page": 1,
    "reward_brackets": None,
    "past_leaderboard_intervals": None,
    "my_rank": {"reward": ""},
    "leaderboard": None,
}

SAMPLE_001_UNKNOWN_SOURCE: Any = {
    "code": 404,
    "key": "not_found",
    "message": "Resource not found",
    "details": "Cannot find customer with source id kr",
    "request_id": "d6393d5b-45e4-9662-b5e5-d441ec0984dc",
}

SAMPLE_001_UNKNOWN_ACTIVITY: Any = {
    "number_of_participants": 0,
    "leaderboard_reward_given": False,
    "page": 1,
    "reward_brackets": [{"position": "1-2", "reward_value": "30"}],
    "past_leaderboard_intervals": [
        {
            "recurrence_type": "daily",
            "recurrence_type_value": 1,
            "activity_id": "ldac_Q8zWIV2r7cmZ8akj0Fjd4",
            "start_date_time": "2023-09-18T12:26:13.656765Z",
            "end_date_time": "2023-09-18T18:29:58.999999Z",
            "status": "active",
        }
    ],
    "my_rank": {"reward": ""},
    "leaderboard": None,
}

SAMPLE_003: Any = {
    "data": {
        "id": "6581281e8f68666070de15c5",
        "orgId": 50156,
        "name": "GROUP_RANK_4",
        "rank": 2,
        "createdBy": 123,
        "createdOn": 1702963230.966423000,
        "lastUpdatedBy": 123,
        "lastUpdatedOn": 1702963230.966423000,
        "isActive": True,
    },
    "errors": [],
    "warnings": [],
}

SAMPLE_002 = {"data": 345651201, "errors": None, "warnings": None}

SAMPLE_002_SCOPE_ALL = {
    "data": None,
    "errors": [{"code": 310141, "message": "Datascope 'ALL' is not supported for this 'API"}],
    "warnings": None,
}
