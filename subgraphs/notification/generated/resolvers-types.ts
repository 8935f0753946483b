import type { GraphQLResolveInfo } from 'graphql';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  _FieldSet: { input: unknown; output: unknown; }
};

/** A message to a customer on one channel, telling one change of an order's or a reservation's status: a Message (about an order) or a ReservationMessage. */
export type CustomerMessage = {
  /** Sends tried so far. */
  attempts: Scalars['Int']['output'];
  channel: MessageChannel;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  deliveryStatus: MessageDeliveryStatus;
  id: Scalars['ID']['output'];
  /** Why the last send failed; null once SENT. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** The text sent. */
  message: Scalars['String']['output'];
  /** When the next send is due; null once SENT or after the last attempt failed. */
  nextAttemptAt?: Maybe<Scalars['String']['output']>;
  /** When the channel accepted it; null until then. */
  sentAt?: Maybe<Scalars['String']['output']>;
  /** The status the message tells, as its owner names it (an order's SHIPPED, a reservation's RESERVED). */
  status: Scalars['String']['output'];
  /** The order id or the reservation id. */
  subjectId: Scalars['ID']['output'];
  /** What the message is about. */
  subjectKind: MessageSubject;
};

/** A page of messages of every kind (Relay Cursor Connections Specification). */
export type CustomerMessageConnection = {
  __typename?: 'CustomerMessageConnection';
  edges: Array<CustomerMessageEdge>;
  pageInfo: PageInfo;
};

/** One CustomerMessage of a page and the cursor to page on from it. */
export type CustomerMessageEdge = {
  __typename?: 'CustomerMessageEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: CustomerMessage;
};

/** A message to a customer on one channel, telling one change of an order's status. */
export type Message = CustomerMessage & {
  __typename?: 'Message';
  /** Sends tried so far. */
  attempts: Scalars['Int']['output'];
  channel: MessageChannel;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  deliveryStatus: MessageDeliveryStatus;
  id: Scalars['ID']['output'];
  /** Why the last send failed; null once SENT. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** The text sent, e.g. '1 33 Shipped...'. */
  message: Scalars['String']['output'];
  /** When the next send is due; null once SENT or after the last attempt failed. */
  nextAttemptAt?: Maybe<Scalars['String']['output']>;
  orderId: Scalars['ID']['output'];
  /** When the channel accepted it; null until then. */
  sentAt?: Maybe<Scalars['String']['output']>;
  /** The order status the message tells, as ordering names it (e.g. SHIPPED). */
  status: Scalars['String']['output'];
  /** The order id. */
  subjectId: Scalars['ID']['output'];
  /** Always ORDER. */
  subjectKind: MessageSubject;
};

export type MessageChannel =
  /** A KakaoTalk message webhook (KAKAO_WEBHOOK_URL). */
  | 'KAKAO'
  /** The notification service's own log. */
  | 'LOG'
  /** Telegram Bot API sendMessage. */
  | 'TELEGRAM'
  /** An HTTP webhook (NOTIFY_WEBHOOK_URL). */
  | 'WEBHOOK';

/** A page of messages about orders (Relay Cursor Connections Specification). */
export type MessageConnection = {
  __typename?: 'MessageConnection';
  edges: Array<MessageEdge>;
  pageInfo: PageInfo;
};

export type MessageDeliveryStatus =
  /** The last send failed: retried with back-off while nextAttemptAt is set, given up when it is null. */
  | 'FAILED'
  /** Recorded, not sent yet. */
  | 'PENDING'
  /** The channel accepted it. */
  | 'SENT';

/** One Message of a page and the cursor to page on from it. */
export type MessageEdge = {
  __typename?: 'MessageEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: Message;
};

export type MessageSubject =
  /** A change of an order's status (ordering's events). */
  | 'ORDER'
  /** A text another context asked for (POST /internal/messages), e.g. rewards' mission and gift messages. */
  | 'REQUEST'
  /** A reservation's outcome (rental's events). */
  | 'RESERVATION';

/** Notification's part of an order: the messages that told its customer about it. */
export type Order = {
  __typename?: 'Order';
  id: Scalars['ID']['output'];
  /** Oldest first; one per status change and channel. Null, with an error SUBGRAPH_UNAVAILABLE at this path, when notification cannot answer. */
  messages?: Maybe<Array<Message>>;
};

/** Where a page of a connection sits (Relay Cursor Connections Specification). Shared by every subgraph. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** The last edge's cursor; null for an empty page. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Items follow this page: paging forward, more than `first` were left; paging backward with `before`, items exist at or after `before`. */
  hasNextPage: Scalars['Boolean']['output'];
  /** Items precede this page: paging backward, more than `last` were left; paging forward with `after`, items exist at or before `after`. */
  hasPreviousPage: Scalars['Boolean']['output'];
  /** The first edge's cursor; null for an empty page. */
  startCursor?: Maybe<Scalars['String']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /**
   * The signed-in customer's message history of every kind (orders, reservations, requested messages), oldest first (at most 500). Customers only (their own). Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use customerMessagesConnection: this list is cut at a fixed size.
   */
  customerMessages: Array<CustomerMessage>;
  /** The signed-in customer's message history of every kind (orders, reservations, requested messages), oldest first. Customers only (their own). Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  customerMessagesConnection: CustomerMessageConnection;
  /**
   * The signed-in customer's messages about orders, oldest first (at most 500); customerMessages has every kind. Customers only (their own). Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use messagesByCustomerConnection: this list is cut at a fixed size.
   */
  messagesByCustomer: Array<Message>;
  /** The signed-in customer's messages about orders, oldest first. Customers only (their own). Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  messagesByCustomerConnection: MessageConnection;
  /**
   * The messages about one order, oldest first; [] when there are none. The order's customer or an admin. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT.
   * @deprecated Use messagesByOrderConnection: this list is cut at a fixed size.
   */
  messagesByOrder: Array<Message>;
  /** The messages about one order, oldest first; no edges when there are none. The order's customer or an admin. Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  messagesByOrderConnection: MessageConnection;
  /**
   * The messages about one reservation, oldest first; [] when there are none. The reservation's customer or an admin. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT.
   * @deprecated Use messagesByReservationConnection: this list is cut at a fixed size.
   */
  messagesByReservation: Array<ReservationMessage>;
  /** The messages about one reservation, oldest first; no edges when there are none. The reservation's customer or an admin. Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  messagesByReservationConnection: ReservationMessageConnection;
};


export type QueryCustomerMessagesConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMessagesByCustomerConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryMessagesByOrderArgs = {
  orderId: Scalars['ID']['input'];
};


export type QueryMessagesByOrderConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  orderId: Scalars['ID']['input'];
};


export type QueryMessagesByReservationArgs = {
  reservationId: Scalars['ID']['input'];
};


export type QueryMessagesByReservationConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
  reservationId: Scalars['ID']['input'];
};

/** A message to a customer on one channel that another context asked for (e.g. rewards: a completed mission, a used gift). */
export type RequestedMessage = CustomerMessage & {
  __typename?: 'RequestedMessage';
  attempts: Scalars['Int']['output'];
  channel: MessageChannel;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  deliveryStatus: MessageDeliveryStatus;
  id: Scalars['ID']['output'];
  lastError?: Maybe<Scalars['String']['output']>;
  message: Scalars['String']['output'];
  nextAttemptAt?: Maybe<Scalars['String']['output']>;
  /** The asking context's correlation id (e.g. the mission id). */
  requestId: Scalars['ID']['output'];
  sentAt?: Maybe<Scalars['String']['output']>;
  /** REQUESTED. */
  status: Scalars['String']['output'];
  subjectId: Scalars['ID']['output'];
  subjectKind: MessageSubject;
};

export type Reservation = {
  __typename?: 'Reservation';
  id: Scalars['ID']['output'];
  /** Oldest first; one per outcome (reserved, no copy available, cancelled) and channel. Null, with an error SUBGRAPH_UNAVAILABLE at this path, when notification cannot answer. */
  messages?: Maybe<Array<ReservationMessage>>;
};

/** A message to a customer on one channel, telling a reservation's outcome: reserved, no copy available, or cancelled. */
export type ReservationMessage = CustomerMessage & {
  __typename?: 'ReservationMessage';
  /** Sends tried so far. */
  attempts: Scalars['Int']['output'];
  channel: MessageChannel;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  deliveryStatus: MessageDeliveryStatus;
  id: Scalars['ID']['output'];
  /** Why the last send failed; null once SENT. */
  lastError?: Maybe<Scalars['String']['output']>;
  /** The text sent, e.g. '<reservationId> c-1 Reserved: 1984'. */
  message: Scalars['String']['output'];
  /** When the next send is due; null once SENT or after the last attempt failed. */
  nextAttemptAt?: Maybe<Scalars['String']['output']>;
  reservationId: Scalars['ID']['output'];
  /** When the channel accepted it; null until then. */
  sentAt?: Maybe<Scalars['String']['output']>;
  /** The reservation status the message tells, as rental names it: RESERVED, FAILED or CANCELLED. */
  status: Scalars['String']['output'];
  /** The reservation id. */
  subjectId: Scalars['ID']['output'];
  /** Always RESERVATION. */
  subjectKind: MessageSubject;
};

/** A page of messages about reservations (Relay Cursor Connections Specification). */
export type ReservationMessageConnection = {
  __typename?: 'ReservationMessageConnection';
  edges: Array<ReservationMessageEdge>;
  pageInfo: PageInfo;
};

/** One ReservationMessage of a page and the cursor to page on from it. */
export type ReservationMessageEdge = {
  __typename?: 'ReservationMessageEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: ReservationMessage;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Message: Message;
  Order: Order;
  Reservation: Reservation;
  ReservationMessage: ReservationMessage;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Message:
    ( { __typename: 'Message' }
    & GraphQLRecursivePick<FederationTypes['Message'], {"id":true}> );
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  Reservation:
    ( { __typename: 'Reservation' }
    & GraphQLRecursivePick<FederationTypes['Reservation'], {"id":true}> );
  ReservationMessage:
    ( { __typename: 'ReservationMessage' }
    & GraphQLRecursivePick<FederationTypes['ReservationMessage'], {"id":true}> );
}>;


/** Mapping of interface types */
export type ResolversInterfaceTypes<_RefType extends Record<string, unknown>> = ResolversObject<{
  CustomerMessage:
    | ( Partial<Message> )
    | ( Partial<RequestedMessage> )
    | ( Partial<ReservationMessage> )
  ;
}>;

/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  CustomerMessage: ResolverTypeWrapper<ResolversInterfaceTypes<ResolversTypes>['CustomerMessage']>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  CustomerMessageConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['CustomerMessageEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  CustomerMessageEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['CustomerMessage'] }>;
  Message: ResolverTypeWrapper<Partial<Message>>;
  MessageChannel: ResolverTypeWrapper<Partial<MessageChannel>>;
  MessageConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['MessageEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  MessageDeliveryStatus: ResolverTypeWrapper<Partial<MessageDeliveryStatus>>;
  MessageEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['Message'] }>;
  MessageSubject: ResolverTypeWrapper<Partial<MessageSubject>>;
  Order: ResolverTypeWrapper<Partial<Order>>;
  PageInfo: ResolverTypeWrapper<Partial<PageInfo>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RequestedMessage: ResolverTypeWrapper<Partial<RequestedMessage>>;
  Reservation: ResolverTypeWrapper<Partial<Reservation>>;
  ReservationMessage: ResolverTypeWrapper<Partial<ReservationMessage>>;
  ReservationMessageConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['ReservationMessageEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  ReservationMessageEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['ReservationMessage'] }>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  CustomerMessage: ResolversInterfaceTypes<ResolversParentTypes>['CustomerMessage'];
  Int: Partial<Scalars['Int']['output']>;
  String: Partial<Scalars['String']['output']>;
  ID: Partial<Scalars['ID']['output']>;
  CustomerMessageConnection: { edges: Array<ResolversTypes['CustomerMessageEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  CustomerMessageEdge: { cursor: string; node: ResolversTypes['CustomerMessage'] };
  Message: Partial<Message | FederationReferenceTypes['Message']>;
  MessageConnection: { edges: Array<ResolversTypes['MessageEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  MessageEdge: { cursor: string; node: ResolversTypes['Message'] };
  Order: Partial<Order | FederationReferenceTypes['Order']>;
  PageInfo: Partial<PageInfo>;
  Boolean: Partial<Scalars['Boolean']['output']>;
  Query: Record<PropertyKey, never>;
  RequestedMessage: Partial<RequestedMessage>;
  Reservation: Partial<Reservation | FederationReferenceTypes['Reservation']>;
  ReservationMessage: Partial<ReservationMessage | FederationReferenceTypes['ReservationMessage']>;
  ReservationMessageConnection: { edges: Array<ResolversTypes['ReservationMessageEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  ReservationMessageEdge: { cursor: string; node: ResolversTypes['ReservationMessage'] };
}>;

export type CustomerMessageResolvers<ContextType = any, ParentType extends ResolversParentTypes['CustomerMessage'] = ResolversParentTypes['CustomerMessage']> = ResolversObject<{
  __resolveType: TypeResolveFn<'Message' | 'RequestedMessage' | 'ReservationMessage', ParentType, ContextType>;
}>;

export type CustomerMessageConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['CustomerMessageConnection'] = ResolversParentTypes['CustomerMessageConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['CustomerMessageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type CustomerMessageEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['CustomerMessageEdge'] = ResolversParentTypes['CustomerMessageEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['CustomerMessage'], ParentType, ContextType>;
}>;

export type MessageResolvers<ContextType = any, ParentType extends ResolversParentTypes['Message'] = ResolversParentTypes['Message'], FederationReferenceType extends FederationReferenceTypes['Message'] = FederationReferenceTypes['Message']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Message']> | FederationReferenceType, FederationReferenceType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  channel?: Resolver<ResolversTypes['MessageChannel'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  deliveryStatus?: Resolver<ResolversTypes['MessageDeliveryStatus'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nextAttemptAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sentAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  subjectId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  subjectKind?: Resolver<ResolversTypes['MessageSubject'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type MessageConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['MessageConnection'] = ResolversParentTypes['MessageConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['MessageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type MessageEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['MessageEdge'] = ResolversParentTypes['MessageEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Message'], ParentType, ContextType>;
}>;

export type OrderResolvers<ContextType = any, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  messages?: Resolver<Maybe<Array<ResolversTypes['Message']>>, ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = any, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  customerMessages?: Resolver<Array<ResolversTypes['CustomerMessage']>, ParentType, ContextType>;
  customerMessagesConnection?: Resolver<ResolversTypes['CustomerMessageConnection'], ParentType, ContextType, Partial<QueryCustomerMessagesConnectionArgs>>;
  messagesByCustomer?: Resolver<Array<ResolversTypes['Message']>, ParentType, ContextType>;
  messagesByCustomerConnection?: Resolver<ResolversTypes['MessageConnection'], ParentType, ContextType, Partial<QueryMessagesByCustomerConnectionArgs>>;
  messagesByOrder?: Resolver<Array<ResolversTypes['Message']>, ParentType, ContextType, RequireFields<QueryMessagesByOrderArgs, 'orderId'>>;
  messagesByOrderConnection?: Resolver<ResolversTypes['MessageConnection'], ParentType, ContextType, RequireFields<QueryMessagesByOrderConnectionArgs, 'orderId'>>;
  messagesByReservation?: Resolver<Array<ResolversTypes['ReservationMessage']>, ParentType, ContextType, RequireFields<QueryMessagesByReservationArgs, 'reservationId'>>;
  messagesByReservationConnection?: Resolver<ResolversTypes['ReservationMessageConnection'], ParentType, ContextType, RequireFields<QueryMessagesByReservationConnectionArgs, 'reservationId'>>;
}>;

export type RequestedMessageResolvers<ContextType = any, ParentType extends ResolversParentTypes['RequestedMessage'] = ResolversParentTypes['RequestedMessage']> = ResolversObject<{
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  channel?: Resolver<ResolversTypes['MessageChannel'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  deliveryStatus?: Resolver<ResolversTypes['MessageDeliveryStatus'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nextAttemptAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  requestId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sentAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  subjectId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  subjectKind?: Resolver<ResolversTypes['MessageSubject'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type ReservationResolvers<ContextType = any, ParentType extends ResolversParentTypes['Reservation'] = ResolversParentTypes['Reservation'], FederationReferenceType extends FederationReferenceTypes['Reservation'] = FederationReferenceTypes['Reservation']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Reservation']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  messages?: Resolver<Maybe<Array<ResolversTypes['ReservationMessage']>>, ParentType, ContextType>;
}>;

export type ReservationMessageResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationMessage'] = ResolversParentTypes['ReservationMessage'], FederationReferenceType extends FederationReferenceTypes['ReservationMessage'] = FederationReferenceTypes['ReservationMessage']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['ReservationMessage']> | FederationReferenceType, FederationReferenceType, ContextType>;
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  channel?: Resolver<ResolversTypes['MessageChannel'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  deliveryStatus?: Resolver<ResolversTypes['MessageDeliveryStatus'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nextAttemptAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reservationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sentAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  subjectId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  subjectKind?: Resolver<ResolversTypes['MessageSubject'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
}>;

export type ReservationMessageConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationMessageConnection'] = ResolversParentTypes['ReservationMessageConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['ReservationMessageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type ReservationMessageEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['ReservationMessageEdge'] = ResolversParentTypes['ReservationMessageEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['ReservationMessage'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  CustomerMessage?: CustomerMessageResolvers<ContextType>;
  CustomerMessageConnection?: CustomerMessageConnectionResolvers<ContextType>;
  CustomerMessageEdge?: CustomerMessageEdgeResolvers<ContextType>;
  Message?: MessageResolvers<ContextType>;
  MessageConnection?: MessageConnectionResolvers<ContextType>;
  MessageEdge?: MessageEdgeResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RequestedMessage?: RequestedMessageResolvers<ContextType>;
  Reservation?: ReservationResolvers<ContextType>;
  ReservationMessage?: ReservationMessageResolvers<ContextType>;
  ReservationMessageConnection?: ReservationMessageConnectionResolvers<ContextType>;
  ReservationMessageEdge?: ReservationMessageEdgeResolvers<ContextType>;
}>;

