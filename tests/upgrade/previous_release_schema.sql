--
-- PostgreSQL database dump
--

\restrict PAqgF8K2FqjgL2Z2BHTNLf8jxFvfU4OcvhbjLa2floFbY8BhwiVVwZaCuHOjqiR

-- Dumped from database version 18.6
-- Dumped by pg_dump version 18.6

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: analytics; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA analytics;


--
-- Name: customer; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA customer;


--
-- Name: loyalty; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA loyalty;


--
-- Name: messaging; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA messaging;


--
-- Name: orders; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA orders;


--
-- Name: wake_outbox_relay(); Type: FUNCTION; Schema: analytics; Owner: -
--

CREATE FUNCTION analytics.wake_outbox_relay() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('analytics_outbox', ''); RETURN NULL; END $$;


--
-- Name: wake_outbox_relay(); Type: FUNCTION; Schema: customer; Owner: -
--

CREATE FUNCTION customer.wake_outbox_relay() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('customer_outbox', ''); RETURN NULL; END $$;


--
-- Name: ledger_entries_append_only(); Type: FUNCTION; Schema: loyalty; Owner: -
--

CREATE FUNCTION loyalty.ledger_entries_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
        BEGIN
            RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP;
        END $$;


--
-- Name: wake_outbox_relay(); Type: FUNCTION; Schema: loyalty; Owner: -
--

CREATE FUNCTION loyalty.wake_outbox_relay() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('loyalty_outbox', ''); RETURN NULL; END $$;


--
-- Name: wake_outbox_relay(); Type: FUNCTION; Schema: messaging; Owner: -
--

CREATE FUNCTION messaging.wake_outbox_relay() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('messaging_outbox', ''); RETURN NULL; END $$;


--
-- Name: wake_outbox_relay(); Type: FUNCTION; Schema: orders; Owner: -
--

CREATE FUNCTION orders.wake_outbox_relay() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_notify('orders_outbox', ''); RETURN NULL; END $$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: alembic_version; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: dead_letters; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.dead_letters (
    id integer NOT NULL,
    event_id character varying(64),
    event_type character varying(128),
    topic character varying(128) NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    payload text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_at timestamp with time zone
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: analytics; Owner: -
--

CREATE SEQUENCE analytics.dead_letters_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: analytics; Owner: -
--

ALTER SEQUENCE analytics.dead_letters_id_seq OWNED BY analytics.dead_letters.id;


--
-- Name: inbox; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.inbox (
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: members; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.members (
    member_id uuid NOT NULL,
    registered_at timestamp with time zone,
    store_id uuid,
    purchase_count integer DEFAULT 0 NOT NULL,
    spend_fen bigint DEFAULT '0'::bigint NOT NULL,
    returned_fen bigint DEFAULT '0'::bigint NOT NULL,
    first_purchase_at timestamp with time zone,
    last_purchase_at timestamp with time zone,
    tier_code character varying(64)
);


--
-- Name: notification_days; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.notification_days (
    day date NOT NULL,
    channel character varying(16) NOT NULL,
    status character varying(16) NOT NULL,
    count integer DEFAULT 0 NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.outbox (
    seq bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    topic character varying(128) NOT NULL,
    key character varying(64) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    partition integer,
    "offset" bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: analytics; Owner: -
--

ALTER TABLE analytics.outbox ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME analytics.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: purchases; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.purchases (
    purchase_id uuid NOT NULL,
    member_id uuid NOT NULL,
    store_id uuid NOT NULL,
    total_fen bigint NOT NULL,
    returned_fen bigint DEFAULT '0'::bigint NOT NULL,
    fully_returned boolean NOT NULL,
    purchased_at timestamp with time zone NOT NULL
);


--
-- Name: returns; Type: TABLE; Schema: analytics; Owner: -
--

CREATE TABLE analytics.returns (
    return_id uuid NOT NULL,
    purchase_id uuid NOT NULL,
    amount_fen bigint NOT NULL,
    returned_at timestamp with time zone NOT NULL
);


--
-- Name: alembic_version; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.idempotency_keys (
    scope character varying(100) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status_code integer,
    response json,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: members; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.members (
    id uuid NOT NULL,
    card_serial bigint NOT NULL,
    card_number character varying(32) NOT NULL,
    name character varying(100) NOT NULL,
    phone_encrypted character varying NOT NULL,
    phone_hash character varying(64) NOT NULL,
    email_encrypted character varying,
    email_hash character varying(64),
    birthday date,
    gender character varying(16),
    locale character varying(8) NOT NULL,
    consent_sms boolean NOT NULL,
    consent_email boolean NOT NULL,
    store_id uuid,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: members_card_serial_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer.members ALTER COLUMN card_serial ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME customer.members_card_serial_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: outbox; Type: TABLE; Schema: customer; Owner: -
--

CREATE TABLE customer.outbox (
    seq bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    topic character varying(128) NOT NULL,
    key character varying(64) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    partition integer,
    "offset" bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: customer; Owner: -
--

ALTER TABLE customer.outbox ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME customer.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: accounts; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.accounts (
    member_id uuid NOT NULL,
    tier_code character varying(32) NOT NULL,
    balance bigint NOT NULL,
    qualifying_spend_fen bigint NOT NULL,
    version integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_accounts_balance CHECK ((balance >= 0)),
    CONSTRAINT ck_accounts_qualifying_spend CHECK ((qualifying_spend_fen >= 0))
);


--
-- Name: alembic_version; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: dead_letters; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.dead_letters (
    id integer NOT NULL,
    event_id character varying(64),
    event_type character varying(128),
    topic character varying(128) NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    payload text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_at timestamp with time zone
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: loyalty; Owner: -
--

CREATE SEQUENCE loyalty.dead_letters_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: loyalty; Owner: -
--

ALTER SEQUENCE loyalty.dead_letters_id_seq OWNED BY loyalty.dead_letters.id;


--
-- Name: earning_rule; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.earning_rule (
    id integer NOT NULL,
    points_per_yuan integer NOT NULL,
    tier_multipliers_percent jsonb NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_earning_rule_points_per_yuan CHECK ((points_per_yuan >= 0)),
    CONSTRAINT ck_earning_rule_single_row CHECK ((id = 1))
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.idempotency_keys (
    scope character varying(100) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status_code integer,
    response json,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: inbox; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.inbox (
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: ledger_entries; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.ledger_entries (
    id uuid NOT NULL,
    seq bigint NOT NULL,
    member_id uuid NOT NULL,
    kind character varying(16) NOT NULL,
    points bigint NOT NULL,
    balance_after bigint NOT NULL,
    shortfall bigint NOT NULL,
    purchase_id uuid,
    return_id uuid,
    redemption_id uuid,
    event_id character varying(64),
    reason character varying(200),
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_ledger_entries_balance_after CHECK ((balance_after >= 0)),
    CONSTRAINT ck_ledger_entries_earn CHECK ((((kind)::text <> 'earn'::text) OR ((purchase_id IS NOT NULL) AND (points >= 0)))),
    CONSTRAINT ck_ledger_entries_kind CHECK (((kind)::text = ANY ((ARRAY['earn'::character varying, 'reverse'::character varying, 'redeem'::character varying, 'adjust'::character varying])::text[]))),
    CONSTRAINT ck_ledger_entries_redeem CHECK ((((kind)::text <> 'redeem'::text) OR ((redemption_id IS NOT NULL) AND (points < 0)))),
    CONSTRAINT ck_ledger_entries_reverse CHECK ((((kind)::text <> 'reverse'::text) OR ((purchase_id IS NOT NULL) AND (return_id IS NOT NULL) AND (points <= 0)))),
    CONSTRAINT ck_ledger_entries_shortfall CHECK ((shortfall >= 0))
);


--
-- Name: ledger_entries_seq_seq; Type: SEQUENCE; Schema: loyalty; Owner: -
--

ALTER TABLE loyalty.ledger_entries ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME loyalty.ledger_entries_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: outbox; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.outbox (
    seq bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    topic character varying(128) NOT NULL,
    key character varying(64) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    partition integer,
    "offset" bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: loyalty; Owner: -
--

ALTER TABLE loyalty.outbox ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME loyalty.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: purchases; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.purchases (
    purchase_id uuid NOT NULL,
    member_id uuid NOT NULL,
    total_fen bigint NOT NULL,
    points_earned bigint NOT NULL,
    points_reversed bigint NOT NULL,
    returned_fen bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    tier_code character varying(32),
    CONSTRAINT ck_purchases_points_reversed CHECK (((points_reversed >= 0) AND (points_reversed <= points_earned))),
    CONSTRAINT ck_purchases_returned_fen CHECK (((returned_fen >= 0) AND (returned_fen <= total_fen))),
    CONSTRAINT ck_purchases_total_fen CHECK ((total_fen >= 0))
);


--
-- Name: tiers; Type: TABLE; Schema: loyalty; Owner: -
--

CREATE TABLE loyalty.tiers (
    code character varying(32) NOT NULL,
    name character varying(64) NOT NULL,
    threshold_fen bigint NOT NULL,
    benefits text,
    CONSTRAINT ck_tiers_threshold CHECK ((threshold_fen >= 0))
);


--
-- Name: alembic_version; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: contacts; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.contacts (
    member_id uuid NOT NULL,
    name character varying(100) NOT NULL,
    locale character varying(8) NOT NULL,
    phone_encrypted character varying NOT NULL,
    email_encrypted character varying,
    consent_sms boolean NOT NULL,
    consent_email boolean NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: dead_letters; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.dead_letters (
    id integer NOT NULL,
    event_id character varying(64),
    event_type character varying(128),
    topic character varying(128) NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    payload text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_at timestamp with time zone
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: messaging; Owner: -
--

CREATE SEQUENCE messaging.dead_letters_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: messaging; Owner: -
--

ALTER SEQUENCE messaging.dead_letters_id_seq OWNED BY messaging.dead_letters.id;


--
-- Name: inbox; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.inbox (
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: notifications; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.notifications (
    id uuid NOT NULL,
    member_id uuid NOT NULL,
    channel character varying(8) NOT NULL,
    template character varying(32) NOT NULL,
    trigger_event_id character varying(64) NOT NULL,
    status character varying(16) NOT NULL,
    recipient_encrypted character varying,
    recipient_masked character varying(320),
    subject character varying(255),
    body text,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    provider_message_id character varying(255),
    provider_response jsonb,
    error text,
    created_at timestamp with time zone NOT NULL,
    sent_at timestamp with time zone,
    CONSTRAINT ck_notifications_channel CHECK (((channel)::text = ANY ((ARRAY['email'::character varying, 'sms'::character varying])::text[]))),
    CONSTRAINT ck_notifications_status CHECK (((status)::text = ANY ((ARRAY['queued'::character varying, 'sent'::character varying, 'failed'::character varying, 'suppressed'::character varying])::text[])))
);


--
-- Name: outbox; Type: TABLE; Schema: messaging; Owner: -
--

CREATE TABLE messaging.outbox (
    seq bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    topic character varying(128) NOT NULL,
    key character varying(64) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    partition integer,
    "offset" bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: messaging; Owner: -
--

ALTER TABLE messaging.outbox ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME messaging.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: alembic_version; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.alembic_version (
    version_num character varying(32) NOT NULL
);


--
-- Name: dead_letters; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.dead_letters (
    id integer NOT NULL,
    event_id character varying(64),
    event_type character varying(128),
    topic character varying(128) NOT NULL,
    partition integer NOT NULL,
    "offset" bigint NOT NULL,
    payload text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    parked_at timestamp with time zone DEFAULT now() NOT NULL,
    replayed_at timestamp with time zone
);


--
-- Name: dead_letters_id_seq; Type: SEQUENCE; Schema: orders; Owner: -
--

CREATE SEQUENCE orders.dead_letters_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letters_id_seq; Type: SEQUENCE OWNED BY; Schema: orders; Owner: -
--

ALTER SEQUENCE orders.dead_letters_id_seq OWNED BY orders.dead_letters.id;


--
-- Name: idempotency_keys; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.idempotency_keys (
    scope character varying(100) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status_code integer,
    response json,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);


--
-- Name: inbox; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.inbox (
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: members; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.members (
    member_id uuid NOT NULL,
    card_number character varying(32) NOT NULL,
    phone_hash character varying(64) NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.outbox (
    seq bigint NOT NULL,
    event_id character varying(64) NOT NULL,
    event_type character varying(128) NOT NULL,
    topic character varying(128) NOT NULL,
    key character varying(64) NOT NULL,
    envelope jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    published_at timestamp with time zone,
    partition integer,
    "offset" bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: orders; Owner: -
--

ALTER TABLE orders.outbox ALTER COLUMN seq ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME orders.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: purchase_lines; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.purchase_lines (
    purchase_id uuid NOT NULL,
    line_no integer NOT NULL,
    sku character varying(64) NOT NULL,
    category character varying(64) NOT NULL,
    quantity integer NOT NULL,
    unit_price_fen bigint NOT NULL,
    returned_quantity integer DEFAULT 0 NOT NULL,
    CONSTRAINT ck_purchase_lines_quantity CHECK ((quantity > 0)),
    CONSTRAINT ck_purchase_lines_returned_quantity CHECK (((returned_quantity >= 0) AND (returned_quantity <= quantity))),
    CONSTRAINT ck_purchase_lines_unit_price CHECK ((unit_price_fen >= 0))
);


--
-- Name: purchase_returns; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.purchase_returns (
    id uuid NOT NULL,
    purchase_id uuid NOT NULL,
    amount_fen bigint NOT NULL,
    returned_at timestamp with time zone NOT NULL
);


--
-- Name: purchases; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.purchases (
    id uuid NOT NULL,
    store_id uuid NOT NULL,
    member_id uuid NOT NULL,
    total_fen bigint NOT NULL,
    purchased_at timestamp with time zone NOT NULL,
    receipt_no character varying(64),
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT ck_purchases_total_fen CHECK ((total_fen >= 0))
);


--
-- Name: return_lines; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.return_lines (
    return_id uuid NOT NULL,
    line_no integer NOT NULL,
    quantity integer NOT NULL,
    amount_fen bigint NOT NULL,
    CONSTRAINT ck_return_lines_quantity CHECK ((quantity > 0))
);


--
-- Name: stores; Type: TABLE; Schema: orders; Owner: -
--

CREATE TABLE orders.stores (
    id uuid NOT NULL,
    name character varying(100) NOT NULL,
    api_key_hash character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.dead_letters ALTER COLUMN id SET DEFAULT nextval('analytics.dead_letters_id_seq'::regclass);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.dead_letters ALTER COLUMN id SET DEFAULT nextval('loyalty.dead_letters_id_seq'::regclass);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.dead_letters ALTER COLUMN id SET DEFAULT nextval('messaging.dead_letters_id_seq'::regclass);


--
-- Name: dead_letters id; Type: DEFAULT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.dead_letters ALTER COLUMN id SET DEFAULT nextval('orders.dead_letters_id_seq'::regclass);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (event_id);


--
-- Name: members members_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (member_id);


--
-- Name: notification_days notification_days_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.notification_days
    ADD CONSTRAINT notification_days_pkey PRIMARY KEY (day, channel, status);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: purchases purchases_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.purchases
    ADD CONSTRAINT purchases_pkey PRIMARY KEY (purchase_id);


--
-- Name: returns returns_pkey; Type: CONSTRAINT; Schema: analytics; Owner: -
--

ALTER TABLE ONLY analytics.returns
    ADD CONSTRAINT returns_pkey PRIMARY KEY (return_id);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);


--
-- Name: members members_card_number_key; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.members
    ADD CONSTRAINT members_card_number_key UNIQUE (card_number);


--
-- Name: members members_card_serial_key; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.members
    ADD CONSTRAINT members_card_serial_key UNIQUE (card_serial);


--
-- Name: members members_phone_hash_key; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.members
    ADD CONSTRAINT members_phone_hash_key UNIQUE (phone_hash);


--
-- Name: members members_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: customer; Owner: -
--

ALTER TABLE ONLY customer.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (member_id);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: earning_rule earning_rule_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.earning_rule
    ADD CONSTRAINT earning_rule_pkey PRIMARY KEY (id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (event_id);


--
-- Name: ledger_entries ledger_entries_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id);


--
-- Name: ledger_entries ledger_entries_redemption_id_key; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT ledger_entries_redemption_id_key UNIQUE (redemption_id);


--
-- Name: ledger_entries ledger_entries_return_id_key; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT ledger_entries_return_id_key UNIQUE (return_id);


--
-- Name: ledger_entries ledger_entries_seq_key; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT ledger_entries_seq_key UNIQUE (seq);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: purchases purchases_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.purchases
    ADD CONSTRAINT purchases_pkey PRIMARY KEY (purchase_id);


--
-- Name: tiers tiers_pkey; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.tiers
    ADD CONSTRAINT tiers_pkey PRIMARY KEY (code);


--
-- Name: tiers tiers_threshold_fen_key; Type: CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.tiers
    ADD CONSTRAINT tiers_threshold_fen_key UNIQUE (threshold_fen);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: contacts contacts_pkey; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (member_id);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (event_id);


--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: notifications uq_notifications_trigger_channel; Type: CONSTRAINT; Schema: messaging; Owner: -
--

ALTER TABLE ONLY messaging.notifications
    ADD CONSTRAINT uq_notifications_trigger_channel UNIQUE (trigger_event_id, channel);


--
-- Name: alembic_version alembic_version_pkc; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);


--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (id);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (scope, key);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (event_id);


--
-- Name: members members_card_number_key; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.members
    ADD CONSTRAINT members_card_number_key UNIQUE (card_number);


--
-- Name: members members_phone_hash_key; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.members
    ADD CONSTRAINT members_phone_hash_key UNIQUE (phone_hash);


--
-- Name: members members_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.members
    ADD CONSTRAINT members_pkey PRIMARY KEY (member_id);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (seq);


--
-- Name: purchase_lines purchase_lines_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchase_lines
    ADD CONSTRAINT purchase_lines_pkey PRIMARY KEY (purchase_id, line_no);


--
-- Name: purchase_returns purchase_returns_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchase_returns
    ADD CONSTRAINT purchase_returns_pkey PRIMARY KEY (id);


--
-- Name: purchases purchases_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchases
    ADD CONSTRAINT purchases_pkey PRIMARY KEY (id);


--
-- Name: return_lines return_lines_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.return_lines
    ADD CONSTRAINT return_lines_pkey PRIMARY KEY (return_id, line_no);


--
-- Name: stores stores_api_key_hash_key; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.stores
    ADD CONSTRAINT stores_api_key_hash_key UNIQUE (api_key_hash);


--
-- Name: stores stores_pkey; Type: CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.stores
    ADD CONSTRAINT stores_pkey PRIMARY KEY (id);


--
-- Name: ix_analytics_purchases_purchased_at; Type: INDEX; Schema: analytics; Owner: -
--

CREATE INDEX ix_analytics_purchases_purchased_at ON analytics.purchases USING btree (purchased_at);


--
-- Name: ix_outbox_published_at; Type: INDEX; Schema: analytics; Owner: -
--

CREATE INDEX ix_outbox_published_at ON analytics.outbox USING btree (published_at);


--
-- Name: ix_outbox_unpublished; Type: INDEX; Schema: analytics; Owner: -
--

CREATE INDEX ix_outbox_unpublished ON analytics.outbox USING btree (seq) WHERE (published_at IS NULL);


--
-- Name: ix_customer_members_email_hash; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX ix_customer_members_email_hash ON customer.members USING btree (email_hash);


--
-- Name: ix_outbox_published_at; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX ix_outbox_published_at ON customer.outbox USING btree (published_at);


--
-- Name: ix_outbox_unpublished; Type: INDEX; Schema: customer; Owner: -
--

CREATE INDEX ix_outbox_unpublished ON customer.outbox USING btree (seq) WHERE (published_at IS NULL);


--
-- Name: ix_ledger_entries_member_seq; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_ledger_entries_member_seq ON loyalty.ledger_entries USING btree (member_id, seq);


--
-- Name: ix_loyalty_accounts_tier_code; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_loyalty_accounts_tier_code ON loyalty.accounts USING btree (tier_code);


--
-- Name: ix_loyalty_ledger_entries_purchase_id; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_loyalty_ledger_entries_purchase_id ON loyalty.ledger_entries USING btree (purchase_id);


--
-- Name: ix_loyalty_purchases_member_id; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_loyalty_purchases_member_id ON loyalty.purchases USING btree (member_id);


--
-- Name: ix_outbox_published_at; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_outbox_published_at ON loyalty.outbox USING btree (published_at);


--
-- Name: ix_outbox_unpublished; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE INDEX ix_outbox_unpublished ON loyalty.outbox USING btree (seq) WHERE (published_at IS NULL);


--
-- Name: ux_ledger_entries_one_earn_per_purchase; Type: INDEX; Schema: loyalty; Owner: -
--

CREATE UNIQUE INDEX ux_ledger_entries_one_earn_per_purchase ON loyalty.ledger_entries USING btree (purchase_id) WHERE ((kind)::text = 'earn'::text);


--
-- Name: ix_notifications_due; Type: INDEX; Schema: messaging; Owner: -
--

CREATE INDEX ix_notifications_due ON messaging.notifications USING btree (next_attempt_at) WHERE ((status)::text = 'queued'::text);


--
-- Name: ix_notifications_member_created; Type: INDEX; Schema: messaging; Owner: -
--

CREATE INDEX ix_notifications_member_created ON messaging.notifications USING btree (member_id, created_at);


--
-- Name: ix_outbox_published_at; Type: INDEX; Schema: messaging; Owner: -
--

CREATE INDEX ix_outbox_published_at ON messaging.outbox USING btree (published_at);


--
-- Name: ix_outbox_unpublished; Type: INDEX; Schema: messaging; Owner: -
--

CREATE INDEX ix_outbox_unpublished ON messaging.outbox USING btree (seq) WHERE (published_at IS NULL);


--
-- Name: ix_orders_purchase_returns_purchase_id; Type: INDEX; Schema: orders; Owner: -
--

CREATE INDEX ix_orders_purchase_returns_purchase_id ON orders.purchase_returns USING btree (purchase_id);


--
-- Name: ix_orders_purchases_member_id; Type: INDEX; Schema: orders; Owner: -
--

CREATE INDEX ix_orders_purchases_member_id ON orders.purchases USING btree (member_id);


--
-- Name: ix_outbox_published_at; Type: INDEX; Schema: orders; Owner: -
--

CREATE INDEX ix_outbox_published_at ON orders.outbox USING btree (published_at);


--
-- Name: ix_outbox_unpublished; Type: INDEX; Schema: orders; Owner: -
--

CREATE INDEX ix_outbox_unpublished ON orders.outbox USING btree (seq) WHERE (published_at IS NULL);


--
-- Name: ix_purchases_store_recent; Type: INDEX; Schema: orders; Owner: -
--

CREATE INDEX ix_purchases_store_recent ON orders.purchases USING btree (store_id, purchased_at, id);


--
-- Name: outbox wake_relay; Type: TRIGGER; Schema: analytics; Owner: -
--

CREATE TRIGGER wake_relay AFTER INSERT ON analytics.outbox FOR EACH STATEMENT EXECUTE FUNCTION analytics.wake_outbox_relay();


--
-- Name: outbox wake_relay; Type: TRIGGER; Schema: customer; Owner: -
--

CREATE TRIGGER wake_relay AFTER INSERT ON customer.outbox FOR EACH STATEMENT EXECUTE FUNCTION customer.wake_outbox_relay();


--
-- Name: ledger_entries ledger_entries_append_only; Type: TRIGGER; Schema: loyalty; Owner: -
--

CREATE TRIGGER ledger_entries_append_only BEFORE DELETE OR UPDATE ON loyalty.ledger_entries FOR EACH ROW EXECUTE FUNCTION loyalty.ledger_entries_append_only();


--
-- Name: outbox wake_relay; Type: TRIGGER; Schema: loyalty; Owner: -
--

CREATE TRIGGER wake_relay AFTER INSERT ON loyalty.outbox FOR EACH STATEMENT EXECUTE FUNCTION loyalty.wake_outbox_relay();


--
-- Name: outbox wake_relay; Type: TRIGGER; Schema: messaging; Owner: -
--

CREATE TRIGGER wake_relay AFTER INSERT ON messaging.outbox FOR EACH STATEMENT EXECUTE FUNCTION messaging.wake_outbox_relay();


--
-- Name: outbox wake_relay; Type: TRIGGER; Schema: orders; Owner: -
--

CREATE TRIGGER wake_relay AFTER INSERT ON orders.outbox FOR EACH STATEMENT EXECUTE FUNCTION orders.wake_outbox_relay();


--
-- Name: ledger_entries fk_ledger_entries_account; Type: FK CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT fk_ledger_entries_account FOREIGN KEY (member_id) REFERENCES loyalty.accounts(member_id);


--
-- Name: ledger_entries fk_ledger_entries_purchase; Type: FK CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.ledger_entries
    ADD CONSTRAINT fk_ledger_entries_purchase FOREIGN KEY (purchase_id) REFERENCES loyalty.purchases(purchase_id);


--
-- Name: purchases fk_purchases_account; Type: FK CONSTRAINT; Schema: loyalty; Owner: -
--

ALTER TABLE ONLY loyalty.purchases
    ADD CONSTRAINT fk_purchases_account FOREIGN KEY (member_id) REFERENCES loyalty.accounts(member_id);


--
-- Name: purchase_lines purchase_lines_purchase_id_fkey; Type: FK CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchase_lines
    ADD CONSTRAINT purchase_lines_purchase_id_fkey FOREIGN KEY (purchase_id) REFERENCES orders.purchases(id);


--
-- Name: purchase_returns purchase_returns_purchase_id_fkey; Type: FK CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchase_returns
    ADD CONSTRAINT purchase_returns_purchase_id_fkey FOREIGN KEY (purchase_id) REFERENCES orders.purchases(id);


--
-- Name: purchases purchases_store_id_fkey; Type: FK CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.purchases
    ADD CONSTRAINT purchases_store_id_fkey FOREIGN KEY (store_id) REFERENCES orders.stores(id);


--
-- Name: return_lines return_lines_return_id_fkey; Type: FK CONSTRAINT; Schema: orders; Owner: -
--

ALTER TABLE ONLY orders.return_lines
    ADD CONSTRAINT return_lines_return_id_fkey FOREIGN KEY (return_id) REFERENCES orders.purchase_returns(id);


--
-- Name: TABLE ledger_entries; Type: ACL; Schema: loyalty; Owner: -
--

REVOKE ALL ON TABLE loyalty.ledger_entries FROM huiyuan_loyalty;
GRANT SELECT,INSERT,REFERENCES,TRIGGER,MAINTAIN ON TABLE loyalty.ledger_entries TO huiyuan_loyalty;


--
-- PostgreSQL database dump complete
--

\unrestrict PAqgF8K2FqjgL2Z2BHTNLf8jxFvfU4OcvhbjLa2floFbY8BhwiVVwZaCuHOjqiR

