import type { GraphQLResolveInfo } from 'graphql';
import type { OrderModel } from '../resolvers';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
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

export type Mutation = {
  __typename?: 'Mutation';
  /** The order's customer or an admin. Starts the order's cancellation (CANCELLING → CANCELLED once payment and delivery have cancelled). A second call answers the order unchanged. Errors: ORDER_NOT_CANCELLABLE (delivery started, never paid, payment in progress), ORDER_NOT_FOUND, BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN (someone else's order, or not a customer or admin). */
  cancelOrder: Order;
  /** Customer only, for themselves (the order's customer is the signed-in one). Records the order, charges it synchronously at payment, and answers with the PAID order or an error (PAYMENT_UNAVAILABLE, PAYMENT_DECLINED, PRODUCT_NOT_FOUND, BAD_USER_INPUT, UNAUTHENTICATED, FORBIDDEN). */
  placeOrder: Order;
};


export type MutationCancelOrderArgs = {
  orderId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};

/** A customer's order. Payment and delivery add their parts of it (federated entity). */
export type Order = {
  __typename?: 'Order';
  /** unitPrice × qty. */
  amount: Scalars['Int']['output'];
  /** Why a cancellation could not complete (status CANCELLATION_FAILED): DELIVERY_ALREADY_STARTED or DELIVERY_COMPLETED. */
  cancellationFailure?: Maybe<Scalars['String']['output']>;
  /** The customer's reason for cancelling, when given. */
  cancellationReason?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['String']['output'];
  customerId: Scalars['ID']['output'];
  /** Where the order is delivered; null: collected at the store. */
  deliveryAddress?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** The product's name when the order was placed. */
  item: Scalars['String']['output'];
  /** How the customer pays. */
  paymentMethod: PaymentMethod;
  /** The catalog's product; null, with an error SUBGRAPH_UNAVAILABLE at this path, when catalog cannot answer. */
  product?: Maybe<Product>;
  qty: Scalars['Int']['output'];
  /** Why the order was rejected: PAYMENT_UNAVAILABLE or PAYMENT_DECLINED. */
  rejectionCode?: Maybe<Scalars['String']['output']>;
  status: OrderStatus;
  storeId: Scalars['ID']['output'];
  /** Price of one unit in won, taken from the catalog. */
  unitPrice: Scalars['Int']['output'];
  updatedAt: Scalars['String']['output'];
  /** Goes up by one with every status change; the version of the event that announced the change. */
  version: Scalars['Int']['output'];
};

/** A page of orders (Relay Cursor Connections Specification). */
export type OrderConnection = {
  __typename?: 'OrderConnection';
  edges: Array<OrderEdge>;
  pageInfo: PageInfo;
};

/** One Order of a page and the cursor to page on from it. */
export type OrderEdge = {
  __typename?: 'OrderEdge';
  /** Pass it as `after` (or `before`) to page on from this item. */
  cursor: Scalars['String']['output'];
  node: Order;
};

export type OrderStatus =
  /** The cancellation could not complete: the delivery had already started (see cancellationFailure). The payment was refunded; a person settles it. */
  | 'CANCELLATION_FAILED'
  /** Cancelled: payment refunded, delivery cancelled. */
  | 'CANCELLED'
  /** The customer cancelled it; the payment's refund and the delivery's cancellation are under way. */
  | 'CANCELLING'
  /** The store accepted it (the bakery's 'Confirmed'). */
  | 'CONFIRMED'
  /** Handed to the customer. */
  | 'DELIVERED'
  /** The store is making it (the pizza's 'PizzaProductionStarted'). */
  | 'IN_PRODUCTION'
  /** Paid: the order stands. */
  | 'PAID'
  /** Recorded, payment in progress. */
  | 'PENDING'
  /** Payment failed or was unavailable; nothing was charged. */
  | 'REJECTED'
  /** The courier is on the way (the book market's 'Shipped'). */
  | 'SHIPPED';

/** One status change of an order, as ordering announced it. */
export type OrderStatusChange = {
  __typename?: 'OrderStatusChange';
  /** Where this change sits in ordering's event stream: pass it as `after` to resume after it. */
  cursor: Scalars['String']['output'];
  /** When ordering committed the change (ISO-8601). */
  occurredAt: Scalars['String']['output'];
  /** The order, read through the supergraph after the change: any field of any subgraph (payment, delivery, messages...). Its version is at least this change's. */
  order: Order;
  orderId: Scalars['ID']['output'];
  /** The status before this change (PENDING for an order just placed: its payment went through). */
  previousStatus?: Maybe<OrderStatus>;
  status: OrderStatus;
  /** The order's version after this change. */
  version: Scalars['Int']['output'];
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

export type PaymentMethod =
  | 'BANK_TRANSFER'
  | 'CREDIT_CARD'
  | 'DEBIT_CARD'
  | 'KAKAO_PAY';

/** What a customer orders. The customer is the signed-in one (the token's subject); there is no customerId to send. */
export type PlaceOrderInput = {
  /** Up to 200 characters. Leave it out for an order collected at the store. */
  deliveryAddress?: InputMaybe<Scalars['String']['input']>;
  paymentMethod?: InputMaybe<PaymentMethod>;
  productId: Scalars['ID']['input'];
  /** 1 to 100. */
  qty: Scalars['Int']['input'];
};

export type Product = {
  __typename?: 'Product';
  id: Scalars['ID']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** One order: its customer, staff of its store, or an admin. Null for an unknown id. Errors: UNAUTHENTICATED, FORBIDDEN (someone else's order). */
  order?: Maybe<Order>;
  /**
   * Every order of one customer, newest first (at most 200). Admin only (a customer reads their own with myOrders). Errors: UNAUTHENTICATED, FORBIDDEN.
   * @deprecated Use ordersByCustomerConnection: this list is cut at a fixed size.
   */
  ordersByCustomer: Array<Order>;
  /** Every order of one customer, newest first. Admin only (a customer reads their own with myOrdersConnection). Errors: UNAUTHENTICATED, FORBIDDEN. Page with first/after (forward) or last/before (backward): at most 100 a page, 20 when neither is given, not first and last together; a cursor is opaque and stays valid while new items arrive. Errors also: BAD_USER_INPUT (extensions.field first, last, after or before). */
  ordersByCustomerConnection: OrderConnection;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryOrdersByCustomerArgs = {
  customerId: Scalars['ID']['input'];
};


export type QueryOrdersByCustomerConnectionArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  before?: InputMaybe<Scalars['String']['input']>;
  customerId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
  last?: InputMaybe<Scalars['Int']['input']>;
};

/**
 * Live order status. Declared here, where orders live, so it composes into the supergraph;
 * served by the router (graphql-ws on /graphql), which reads ordering's events from NATS and
 * re-reads the order through the supergraph for each push. Every subscription takes `after`:
 * the cursor of the last change the client saw; the changes since then are replayed first.
 */
export type Subscription = {
  __typename?: 'Subscription';
  /** Changes of every order of the signed-in customer. */
  myOrderStatusChanged: OrderStatusChange;
  /** Changes of one order: its customer, its store's staff or an admin. Errors: FORBIDDEN, ORDER_NOT_FOUND. */
  orderStatusChanged: OrderStatusChange;
  /** Changes of every order of one store: that store's staff or an admin. Errors: FORBIDDEN. */
  storeOrderStatusChanged: OrderStatusChange;
};


/**
 * Live order status. Declared here, where orders live, so it composes into the supergraph;
 * served by the router (graphql-ws on /graphql), which reads ordering's events from NATS and
 * re-reads the order through the supergraph for each push. Every subscription takes `after`:
 * the cursor of the last change the client saw; the changes since then are replayed first.
 */
export type SubscriptionMyOrderStatusChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Live order status. Declared here, where orders live, so it composes into the supergraph;
 * served by the router (graphql-ws on /graphql), which reads ordering's events from NATS and
 * re-reads the order through the supergraph for each push. Every subscription takes `after`:
 * the cursor of the last change the client saw; the changes since then are replayed first.
 */
export type SubscriptionOrderStatusChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  orderId: Scalars['ID']['input'];
};


/**
 * Live order status. Declared here, where orders live, so it composes into the supergraph;
 * served by the router (graphql-ws on /graphql), which reads ordering's events from NATS and
 * re-reads the order through the supergraph for each push. Every subscription takes `after`:
 * the cursor of the last change the client saw; the changes since then are replayed first.
 */
export type SubscriptionStoreOrderStatusChangedArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  storeId: Scalars['ID']['input'];
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
  Order: Order;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  ID: ResolverTypeWrapper<Partial<Scalars['ID']['output']>>;
  String: ResolverTypeWrapper<Partial<Scalars['String']['output']>>;
  Order: ResolverTypeWrapper<OrderModel>;
  Int: ResolverTypeWrapper<Partial<Scalars['Int']['output']>>;
  OrderConnection: ResolverTypeWrapper<{ edges: Array<ResolversTypes['OrderEdge']>; pageInfo: ResolversTypes['PageInfo'] }>;
  OrderEdge: ResolverTypeWrapper<{ cursor: string; node: ResolversTypes['Order'] }>;
  OrderStatus: ResolverTypeWrapper<Partial<OrderStatus>>;
  OrderStatusChange: ResolverTypeWrapper<Partial<Omit<OrderStatusChange, 'order'> & { order: ResolversTypes['Order'] }>>;
  PageInfo: ResolverTypeWrapper<Partial<PageInfo>>;
  Boolean: ResolverTypeWrapper<Partial<Scalars['Boolean']['output']>>;
  PaymentMethod: ResolverTypeWrapper<Partial<PaymentMethod>>;
  PlaceOrderInput: ResolverTypeWrapper<Partial<PlaceOrderInput>>;
  Product: ResolverTypeWrapper<Partial<Product>>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Mutation: Record<PropertyKey, never>;
  ID: Partial<Scalars['ID']['output']>;
  String: Partial<Scalars['String']['output']>;
  Order: OrderModel;
  Int: Partial<Scalars['Int']['output']>;
  OrderConnection: { edges: Array<ResolversTypes['OrderEdge']>; pageInfo: ResolversTypes['PageInfo'] };
  OrderEdge: { cursor: string; node: ResolversTypes['Order'] };
  OrderStatusChange: Partial<Omit<OrderStatusChange, 'order'> & { order: ResolversParentTypes['Order'] }>;
  PageInfo: Partial<PageInfo>;
  Boolean: Partial<Scalars['Boolean']['output']>;
  PlaceOrderInput: Partial<PlaceOrderInput>;
  Product: Partial<Product>;
  Query: Record<PropertyKey, never>;
  Subscription: Record<PropertyKey, never>;
}>;

export type MutationResolvers<ContextType = any, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  cancelOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationCancelOrderArgs, 'orderId'>>;
  placeOrder?: Resolver<ResolversTypes['Order'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
}>;

export type OrderResolvers<ContextType = any, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  amount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  cancellationFailure?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  cancellationReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  deliveryAddress?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  item?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  paymentMethod?: Resolver<ResolversTypes['PaymentMethod'], ParentType, ContextType>;
  product?: Resolver<Maybe<ResolversTypes['Product']>, ParentType, ContextType>;
  qty?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rejectionCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  storeId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  unitPrice?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type OrderConnectionResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = ResolversObject<{
  edges?: Resolver<Array<ResolversTypes['OrderEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
}>;

export type OrderEdgeResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderEdge'] = ResolversParentTypes['OrderEdge']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
}>;

export type OrderStatusChangeResolvers<ContextType = any, ParentType extends ResolversParentTypes['OrderStatusChange'] = ResolversParentTypes['OrderStatusChange']> = ResolversObject<{
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  occurredAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  order?: Resolver<ResolversTypes['Order'], ParentType, ContextType>;
  orderId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  previousStatus?: Resolver<Maybe<ResolversTypes['OrderStatus']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type PageInfoResolvers<ContextType = any, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  hasPreviousPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  startCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type ProductResolvers<ContextType = any, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = any, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  ordersByCustomer?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrdersByCustomerArgs, 'customerId'>>;
  ordersByCustomerConnection?: Resolver<ResolversTypes['OrderConnection'], ParentType, ContextType, RequireFields<QueryOrdersByCustomerConnectionArgs, 'customerId'>>;
}>;

export type SubscriptionResolvers<ContextType = any, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = ResolversObject<{
  myOrderStatusChanged?: SubscriptionResolver<ResolversTypes['OrderStatusChange'], "myOrderStatusChanged", ParentType, ContextType, Partial<SubscriptionMyOrderStatusChangedArgs>>;
  orderStatusChanged?: SubscriptionResolver<ResolversTypes['OrderStatusChange'], "orderStatusChanged", ParentType, ContextType, RequireFields<SubscriptionOrderStatusChangedArgs, 'orderId'>>;
  storeOrderStatusChanged?: SubscriptionResolver<ResolversTypes['OrderStatusChange'], "storeOrderStatusChanged", ParentType, ContextType, RequireFields<SubscriptionStoreOrderStatusChangedArgs, 'storeId'>>;
}>;

export type Resolvers<ContextType = any> = ResolversObject<{
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderEdge?: OrderEdgeResolvers<ContextType>;
  OrderStatusChange?: OrderStatusChangeResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
}>;

