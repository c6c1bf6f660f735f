from matchmaker.models import Role


def test_index_renders_in_chinese(client, reference):
    response = client.get("/")
    assert response.status_code == 200
    assert "陈化店镇人大代表联络站" in response.text


def test_graduate_can_log_in(auth, client):
    auth.login_as(Role.GRADUATE)
    assert client.get("/graduate/").status_code == 200
