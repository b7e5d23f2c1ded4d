import datetime as dt

from newsclust.chrome import is_chrome_line, junk_reason
from newsclust.clean import clean_article, clean_corpus, normalise_text, repeated_lines
from newsclust.dates import find_date, parse_date
from newsclust.models import Article, Skipped

PROSE = (
    "The regional government said on Tuesday that the new ferry line would start in May, "
    "linking the two islands for the first time in a decade."
)


def art(text: str, **kw) -> Article:
    return Article(id=kw.pop("id", "a"), text=text, path="a.txt", **kw)


def test_title_byline_agency_and_date_read_from_the_text():
    raw = (
        "You are here\n\nFerry line to link islands again\n\n"
        "By AFP - Dec 29,2020 - Last updated at Dec 29,2020\n\n"
        f"{PROSE}\n\n12 users have voted.\n\n"
        "Get top stories and blog posts emailed to you each day."
    )
    article = clean_article(art(raw))
    assert article.title == "Ferry line to link islands again"
    assert article.byline == "AFP"
    assert article.agency == "AFP"
    assert article.date == dt.date(2020, 12, 29)
    assert article.text == PROSE


def test_dateline_gives_the_agency_and_stays_in_the_text():
    article = clean_article(art(f"ATHENS (Reuters) — {PROSE}"))
    assert article.agency == "Reuters"
    assert article.text.startswith("ATHENS (Reuters)")


def test_metadata_wins_over_the_text():
    article = clean_article(art(f"By AP - Jan 2, 2021\n\n{PROSE}", date=dt.date(2021, 1, 3)))
    assert article.date == dt.date(2021, 1, 3)


def test_a_long_first_sentence_is_not_a_title():
    article = clean_article(art(PROSE + "\n\n" + PROSE))
    assert article.title is None


def test_headline_repeated_at_top_of_body_is_dropped():
    article = clean_article(art(f"Ferry line returns\n\n{PROSE}", title="Ferry line returns"))
    assert article.text == PROSE


def test_invisible_characters_and_spaces_are_folded():
    assert normalise_text("Lav\u200brov\u00a0said  \u202eno\r\n") == "Lavrov said no\n"


def test_chrome_lines_by_rule():
    for line in [
        "Share this article",
        "Advertisement",
        "Facebook | Twitter | Email",
        "___",
        "Copyright 2016 Example TV. All rights reserved.",
        "Read more: other news",
        "3 of 3 Premium Clicks used this month",
        "Sign up for our daily newsletter",
    ]:
        assert is_chrome_line(line), line
    for line in [PROSE, "Shares in the company fell 3% on Monday after the announcement."]:
        assert not is_chrome_line(line), line


def test_junk_pages():
    assert junk_reason("") == "no article text"
    assert "paywall" in junk_reason(
        "Already a subscriber? Click on the button below to set up your account or log in."
    )
    assert "captcha" in junk_reason("Please verify you are a human to continue to the site.")
    assert junk_reason(PROSE) is None


def test_junk_page_is_skipped_but_a_titled_item_stays_title_only():
    skipped = clean_article(art("You are the owner of this article."))
    assert isinstance(skipped, Skipped) and "no article text" in skipped.reason
    kept = clean_article(art("Subscribe to continue reading.", title="Ferry line to link islands"))
    assert isinstance(kept, Article) and kept.text == ""


def test_lines_repeated_across_the_corpus_are_chrome():
    furniture = "Join the conversation on our Facebook page"
    texts = [f"{PROSE} {n}\n{furniture}" for n in range(5)]
    assert repeated_lines(texts) == {furniture.lower()}
    cleaned = clean_corpus([art(t, id=str(n)) for n, t in enumerate(texts)])
    assert all(furniture not in a.text for a in cleaned)


def test_dates():
    assert find_date("Posted 29 December 2020, 10:00") == dt.date(2020, 12, 29)
    assert find_date("on 12/29/2020 at noon") == dt.date(2020, 12, 29)
    assert parse_date("2020-12-29T10:00:00Z") == dt.date(2020, 12, 29)
    assert parse_date("Feb 30, 2020") is None
    assert find_date("no date here") is None


def test_seeds_read_as_the_issue_says(seeds_dir):
    from newsclust.load import load

    raw = list(load([seeds_dir], max_file_bytes=10**7))
    first, second = clean_corpus(raw)
    assert first.agency == "AFP" and first.date == dt.date(2020, 12, 29)
    assert first.title == "Russia, Turkey to develop military ties despite US sanctions"
    for article in (first, second):
        for chrome in ("You are here", "users have voted", "emailed to you"):
            assert chrome not in article.text


def test_junk_pages_are_judged_before_corpus_repeated_lines_are_removed():
    # Sign-up notices for different reporters share lines across the corpus; once those lines
    # are gone, what is left reads like prose, but the page is still no article. Left in, such
    # pages became "copies" of each other and joined unrelated stories.
    pages = [
        f"Close Get email notifications on {name} daily!\n\n"
        "Your notification has been saved.\n\nThere was a problem saving your notification.\n\n"
        f"Whenever {name} posts new content, you'll get an email delivered to your inbox.\n\n"
        "Email notifications are only sent once a day, and only if there are new items."
        for name in ("Ann Lee", "Bo Park", "Cy Dunn", "Di Moss", "Ed Vance")
    ]
    cleaned = clean_corpus([art(text, id=str(n)) for n, text in enumerate(pages)])
    assert all(isinstance(item, Skipped) and "no article text" in item.reason for item in cleaned)


PLAYLIST = (
    "0:52 Harbour ferry runs aground near the breakwater Pause\n"
    "1:07 Council votes to close the old market hall\n"
    "2:31 Firefighters rescue a dog from a frozen pond\n"
    "0:44 Storm knocks out power to 3,000 homes"
)


def test_a_video_playlist_is_chrome_and_a_page_of_only_one_has_no_article_text():
    page = clean_article(art(PLAYLIST))
    assert isinstance(page, Skipped) and page.reason == "no article text"
    story = clean_article(art(f"{PROSE}\n{PLAYLIST}\n{PROSE}"))
    assert story.text == f"{PROSE}\n\n{PROSE}"


def test_clock_times_and_short_runs_are_not_a_playlist():
    timeline = (
        "10:52 p.m.: Police said the suspect was in custody.\n"
        "11:02 PM - Officers reopened the street.\n"
        "11:30 am The mayor spoke to reporters.\n"
    )
    assert clean_article(art(f"{PROSE}\n{timeline}")).text.count("\n\n") == 3
    two_entries = "\n".join(PLAYLIST.split("\n")[:2])
    assert clean_article(art(f"{PROSE}\n{two_entries}")).text.endswith("old market hall")
